import { useMemo } from 'react';
import { encode } from 'uqr';

/**
 * A QR code drawn here, in the page (uqr encodes it; nothing is sent anywhere): dark modules as one SVG path on a
 * white square with the quiet zone the standard asks for, so a phone's camera reads it on any background.
 */
export function QrCode({ value, label, size = 132 }: { value: string; label: string; size?: number }) {
  const { path, modules } = useMemo(() => {
    const { data } = encode(value, { ecc: 'M', border: 4 });
    let d = '';
    data.forEach((row, y) => row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }));
    return { path: d, modules: data.length };
  }, [value]);
  return (
    <svg className="qr-code" role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${modules} ${modules}`} shapeRendering="crispEdges">
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
