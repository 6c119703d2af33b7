import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ID, parsePolicy, POLICY_KEYS } from '../../../main/platform/policy';

const root = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// The plist reader electron-builder itself uses (no type declarations of its own).
const plist = createRequire(import.meta.url)('plist') as { parse(xml: string): unknown };

describe('the policy samples IT deploys', () => {
  it('the Windows sample (ProgramData) is a valid policy that locks the server and leaves updates to IT', () => {
    const policy = parsePolicy({ source: 'deploy/windows/policy.json', contents: read('deploy/windows/policy.json') });
    expect(policy.inForce.errors).toEqual([]);
    expect(policy.inForce).toMatchObject({ serverUrl: 'https://espace-client.banque.example', serverUrlLocked: true, startAtLogin: true, updatesEnabled: false });
  });

  it('the PowerShell installer writes the same policy as the Windows sample', () => {
    const script = read('deploy/windows/Install-SecureAccessPolicy.ps1');
    const embedded = /\$policy = @'\r?\n([\s\S]*?)\r?\n'@/.exec(script)?.[1] ?? '';
    expect(JSON.parse(embedded)).toEqual(JSON.parse(read('deploy/windows/policy.json')));
    expect(script).toContain("Join-Path $env:ProgramData 'Secure Access'");
  });

  it('the Linux sample (/etc) is a valid policy with a proxy override', () => {
    const policy = parsePolicy({ source: 'deploy/linux/policy.json', contents: read('deploy/linux/policy.json') });
    expect(policy.inForce.errors).toEqual([]);
    expect(policy.inForce.allowAdditionalServers).toBe(false);
    expect(policy.proxy).toMatchObject({ mode: 'fixed_servers' });
    expect(policy.minimumLogLevel).toBe('warn');
  });

  it('the macOS configuration profile carries a valid policy for the app’s bundle id', () => {
    const profile = plist.parse(read('deploy/macos/secure-access-policy.mobileconfig')) as { PayloadType: string; PayloadContent: Array<Record<string, unknown>> };
    expect(profile.PayloadType).toBe('Configuration');
    const payload = profile.PayloadContent.find((entry) => entry.PayloadType === APP_ID);
    expect(payload).toBeDefined();
    // What macOS writes to /Library/Managed Preferences is the payload's dictionary: the same parser reads it.
    const policy = parsePolicy({ source: `/Library/Managed Preferences/${APP_ID}.plist`, contents: payload });
    expect(policy.inForce.errors).toEqual([]);
    expect(policy.inForce).toMatchObject({ serverUrl: 'https://espace-client.banque.example', serverUrlLocked: true, updatesEnabled: false });
  });

  it('every policy key is documented for IT', () => {
    const guide = read('docs/deployment.md');
    for (const key of POLICY_KEYS) expect(guide, key).toContain(`\`${key}\``);
    expect(guide).toContain('/etc/secure-access/policy.json');
    expect(guide).toContain('%ProgramData%\\Secure Access\\policy.json');
    expect(guide).toContain(`/Library/Managed Preferences/${APP_ID}.plist`);
  });
});
