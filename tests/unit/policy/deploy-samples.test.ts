import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ID, parsePolicy, POLICY_KEYS, POLICY_REGISTRY_KEY, POLICY_SETTINGS, readWindowsPolicy, type RegistryValue,
} from '../../../main/platform/policy';

const root = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
// The plist reader electron-builder itself uses (no type declarations of its own), and the XML parser it brings.
const plist = createRequire(import.meta.url)('plist') as { parse(xml: string): unknown };
interface XmlElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
  childNodes: ArrayLike<{ nodeType: number }>;
}
const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as {
  DOMParser: new (options?: { onError?: (level: string, message: string) => void }) => { parseFromString(xml: string, type: string): { documentElement: XmlElement } };
};
function xml(path: string): XmlElement {
  const problems: string[] = [];
  const document = new DOMParser({ onError: (level, message) => void problems.push(`${level}: ${message}`) }).parseFromString(read(path), 'text/xml');
  expect(problems, path).toEqual([]);
  return document.documentElement;
}
const all = (element: XmlElement, tag: string) => Array.from(element.getElementsByTagName(tag));

describe('the policy samples IT deploys', () => {
  it('the Windows sample (what the script writes to the registry) is a valid policy that locks the server and leaves updates to IT', () => {
    const policy = parsePolicy({ source: 'deploy/windows/policy.json', contents: read('deploy/windows/policy.json') });
    expect(policy.inForce.errors).toEqual([]);
    expect(policy.inForce).toMatchObject({ serverUrl: 'https://espace-client.banque.example', serverUrlLocked: true, startAtLogin: true, updatesEnabled: false });
  });

  it('the PowerShell script writes the same policy as the Windows sample, to the key the app reads, typed as the app reads it', () => {
    const script = read('deploy/windows/Install-SecureAccessPolicy.ps1');
    const embedded = /\$policy = @'\r?\n([\s\S]*?)\r?\n'@/.exec(script)?.[1] ?? '';
    expect(JSON.parse(embedded)).toEqual(JSON.parse(read('deploy/windows/policy.json')));
    expect(script).toContain(`'HKLM:\\${POLICY_REGISTRY_KEY}'`);
    const table = /\$settings = @\{([\s\S]*?)\n\}/.exec(script)?.[1] ?? '';
    const kinds = Object.fromEntries([...table.matchAll(/^\s*(\w+) = '(\w+)'$/gm)].map((match) => [match[1], match[2]]));
    expect(kinds).toEqual(Object.fromEntries(POLICY_KEYS.map((key) => [key, POLICY_SETTINGS[key].registry])));
  });

  it('the sample, written as the script writes it, is read back by the app as the same policy', () => {
    // What New-ItemProperty leaves: DWORD 1/0 for true/false, strings, objects as compact JSON.
    const sample = JSON.parse(read('deploy/windows/policy.json')) as Record<string, unknown>;
    const written = new Map<string, RegistryValue>(Object.entries(sample).map(([key, value]) => [key,
      typeof value === 'boolean' ? { type: 'number', value: value ? 1 : 0 }
        : typeof value === 'string' ? { type: 'string', value } : { type: 'string', value: JSON.stringify(value) }]));
    const fromRegistry = readWindowsPolicy({ values: (hive, key) => (hive === 'HKLM' && key === POLICY_REGISTRY_KEY ? written : null) });
    const fromFile = parsePolicy({ source: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\SecureAccess', contents: sample });
    expect(fromRegistry).toEqual(fromFile);
    expect(fromRegistry.inForce.errors).toEqual([]);
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
    expect(guide).toContain(`HKLM\\${POLICY_REGISTRY_KEY}`);
    expect(guide).toContain(`/Library/Managed Preferences/${APP_ID}.plist`);
    expect(guide).toContain('SecureAccess.admx');
  });
});

describe('the Group Policy template (ADMX, with its English and French ADML)', () => {
  const admx = xml('deploy/windows/SecureAccess.admx');
  const policies = all(admx, 'policy');
  const languages = ['en-US', 'fr-FR'];
  const adml = Object.fromEntries(languages.map((language) => [language, xml(`deploy/windows/${language}/SecureAccess.adml`)]));

  /** The registry value a policy writes, and how. */
  function written(policy: XmlElement): { valueName: string; kind: string; items?: string[] } {
    const enabled = policy.getElementsByTagName('enabledValue')[0];
    if (enabled) return { valueName: policy.getAttribute('valueName') ?? '', kind: 'boolean' };
    const [element] = ['text', 'enum', 'decimal'].flatMap((tag) => all(policy, tag));
    if (!element) throw new Error(`policy ${policy.getAttribute('name')} writes nothing`);
    const items = element.tagName === 'enum' ? all(element, 'string').map((item) => item.textContent ?? '') : undefined;
    return { valueName: element.getAttribute('valueName') ?? '', kind: element.tagName, items };
  }

  it('has one policy per setting, writing the value the app reads, under the key it reads, in the registry type it expects', () => {
    expect(policies.map((policy) => written(policy).valueName).sort()).toEqual([...POLICY_KEYS].sort());
    for (const policy of policies) {
      const { valueName, kind, items } = written(policy);
      const setting = POLICY_SETTINGS[valueName as keyof typeof POLICY_SETTINGS];
      expect(policy.getAttribute('key'), valueName).toBe(POLICY_REGISTRY_KEY);
      const expected = { boolean: 'boolean', number: 'decimal', string: items ? 'enum' : 'text', json: 'text' }[setting.registry];
      expect(kind, valueName).toBe(expected);
      if (items) expect(items, valueName).toEqual((setting.schema as { anyOf: Array<{ const: string }> }).anyOf.map((literal) => literal.const));
      if (kind === 'boolean') {
        expect(policy.getElementsByTagName('enabledValue')[0]?.getElementsByTagName('decimal')[0]?.getAttribute('value'), valueName).toBe('1');
        expect(policy.getElementsByTagName('disabledValue')[0]?.getElementsByTagName('decimal')[0]?.getAttribute('value'), valueName).toBe('0');
      }
    }
  });

  it('offers for the user (User Configuration) only the settings the app takes from HKEY_CURRENT_USER', () => {
    for (const policy of policies) {
      const { valueName } = written(policy);
      const scope = POLICY_SETTINGS[valueName as keyof typeof POLICY_SETTINGS].scope;
      expect(policy.getAttribute('class'), valueName).toBe(scope === 'user' ? 'Both' : 'Machine');
    }
  });

  it('has every text and presentation in English and in French, and nothing else', () => {
    const text = read('deploy/windows/SecureAccess.admx');
    const stringRefs = new Set([...text.matchAll(/\$\(string\.(\w+)\)/g)].map((match) => match[1]));
    const presentationRefs = new Set([...text.matchAll(/\$\(presentation\.(\w+)\)/g)].map((match) => match[1]));
    for (const language of languages) {
      const resources = adml[language];
      if (!resources) throw new Error(language);
      const strings = all(resources, 'string').filter((element) => element.getAttribute('id'));
      expect(new Set(strings.map((element) => element.getAttribute('id'))), language).toEqual(stringRefs);
      expect(new Set(all(resources, 'presentation').map((element) => element.getAttribute('id'))), language).toEqual(presentationRefs);
      // Each presentation control points at an element of its policy.
      for (const control of [...all(resources, 'textBox'), ...all(resources, 'dropdownList')]) {
        expect(text, `${language} ${control.getAttribute('refId')}`).toContain(`id="${control.getAttribute('refId')}"`);
      }
      for (const element of strings) expect(element.textContent?.trim(), `${language} ${element.getAttribute('id')}`).not.toBe('');
    }
    const french = (id: string) => all(adml['fr-FR'] as XmlElement, 'string').find((element) => element.getAttribute('id') === id)?.textContent ?? '';
    expect(french('ServerUrlLocked')).toBe('Verrouiller l’adresse du serveur');
    expect(french('ServerUrl_Explain')).toContain('Ordinateur uniquement');
  });
});
