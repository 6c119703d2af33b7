/** A small history router: the server answers every non-/api path with the portal, so paths are real URLs. */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const PATHS = {
  home: '/',
  transfer: '/transfers/new',
  beneficiary: '/beneficiaries/new',
  mySecurity: '/security',
  users: '/admin/users',
  activation: '/admin/security/activation',
  devices: '/admin/security/devices',
  outbox: '/dev/outbox',
  download: '/download',
} as const;

export type PagePath = (typeof PATHS)[keyof typeof PATHS];

const NAVIGATE_EVENT = 'espace-client:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

function currentPath(): string {
  const path = window.location.pathname.replace(/\/+$/, '');
  return path === '' ? '/' : path;
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === currentPath()) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    // Let the browser handle new tabs and windows.
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    event.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handleClick} {...rest} />;
}
