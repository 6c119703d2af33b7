/**
 * The parts of `npm run mutation` (stryker/parts.mjs): every file a part mutates exists, no file is mutated by two
 * parts, and SA_MUTATION_FILES narrows a run to files of that part only.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { filesToMutate, PARTS } from '../../../stryker/parts.mjs';

describe('mutation parts', () => {
  it('each mutated file exists and belongs to exactly one part', () => {
    const all = Object.values(PARTS).flatMap((part) => part.mutate);
    for (const file of all) expect(existsSync(file), file).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('SA_MUTATION_FILES narrows a part to some of its files, and refuses a file of another part', () => {
    expect(filesToMutate('services-devices', '')).toEqual(PARTS['services-devices']!.mutate);
    expect(filesToMutate('services-devices', ' server/services/enrolments.ts , server/services/devices.ts ')).toEqual(['server/services/enrolments.ts', 'server/services/devices.ts']);
    expect(() => filesToMutate('services-devices', 'server/services/users.ts')).toThrow(/not in the mutation part "services-devices": server\/services\/users\.ts/);
    expect(() => filesToMutate('no-such-part', '')).toThrow(/no mutation part "no-such-part"/);
  });
});
