/** Line icons drawn in SVG: no font or image to fetch, and they follow the text colour. Decorative only. */
const common = {
  viewBox: '0 0 24 24',
  width: 28,
  height: 28,
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 1.6,
  strokeLinecap: 'round' as const,
  strokeLinejoin: 'round' as const,
  'aria-hidden': true,
  focusable: false,
};

export function PhoneIcon() {
  return (
    <svg {...common}>
      <rect x="6" y="2.5" width="12" height="19" rx="2.5" />
      <path d="M10.5 18.5h3" />
    </svg>
  );
}

export function ShieldIcon() {
  return (
    <svg {...common}>
      <path d="M12 2.8l7.5 2.8v5.6c0 4.9-3.2 8.8-7.5 10.3-4.3-1.5-7.5-5.4-7.5-10.3V5.6z" />
      <path d="M8.8 12l2.3 2.3 4.4-4.6" />
    </svg>
  );
}

export function LaptopIcon() {
  return (
    <svg {...common}>
      <rect x="4.5" y="5" width="15" height="10.5" rx="1.5" />
      <path d="M2.5 19h19" />
    </svg>
  );
}
