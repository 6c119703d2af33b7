/** The one spelling of a server address the app accepts and stores: HTTPS, or plain HTTP on this computer in development builds only. */
import { describe, expect, it } from 'vitest';
import { normalizeServerUrl } from '../../../protocol/server-url';

describe('server addresses', () => {
  it('keeps origin and path, lower-cases the host, drops trailing slashes and surrounding spaces', () => {
    expect(normalizeServerUrl('https://Secure-Access.Bank.example/')).toBe('https://secure-access.bank.example');
    expect(normalizeServerUrl('https://bank.example/sa/')).toBe('https://bank.example/sa');
    expect(normalizeServerUrl('https://bank.example/sa///')).toBe('https://bank.example/sa');
    expect(normalizeServerUrl('https://bank.example/secure/access/')).toBe('https://bank.example/secure/access');
    expect(normalizeServerUrl('  https://bank.example:8443  ')).toBe('https://bank.example:8443');
    // Pasted from an e-mail: non-breaking spaces around it.
    expect(normalizeServerUrl('\u00a0https://bank.example\u00a0')).toBe('https://bank.example');
  });

  it('allows plain HTTP to this computer only, and only where the caller allows it (development builds)', () => {
    const development = { allowLoopbackHttp: true };
    expect(normalizeServerUrl('http://127.0.0.1:8080', development)).toBe('http://127.0.0.1:8080');
    expect(normalizeServerUrl('http://127.10.200.3/', development)).toBe('http://127.10.200.3');
    expect(normalizeServerUrl('http://localhost:8080/', development)).toBe('http://localhost:8080');
    expect(normalizeServerUrl('http://[::1]:8080', development)).toBe('http://[::1]:8080');
    for (const clear of ['http://bank.example', 'http://10.0.0.1', 'http://127.0.0.1.bank.example', 'http://127.bank.example', 'http://localhost.bank.example']) {
      expect(normalizeServerUrl(clear, development), clear).toBeNull();
    }
    // A packaged app: not even this computer in clear.
    for (const local of ['http://127.0.0.1:8080', 'http://localhost:8080/', 'http://[::1]:8080']) {
      expect(normalizeServerUrl(local), local).toBeNull();
      expect(normalizeServerUrl(local, { allowLoopbackHttp: false }), local).toBeNull();
    }
  });

  it('refuses other schemes, even towards this computer in development', () => {
    for (const other of ['ftp://localhost', 'ws://127.0.0.1', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(normalizeServerUrl(other, { allowLoopbackHttp: true }), other).toBeNull();
    }
  });

  it('refuses credentials, a query or a fragment (they would be stored and sent with every request)', () => {
    for (const extra of ['https://user:pass@bank.example', 'https://user@bank.example', 'https://:pass@bank.example', 'https://bank.example/?x=1', 'https://bank.example/#inbox']) {
      expect(normalizeServerUrl(extra), extra).toBeNull();
    }
  });

  it('refuses what is not an address', () => {
    expect(normalizeServerUrl('not a url')).toBeNull();
    expect(normalizeServerUrl('')).toBeNull();
  });
});
