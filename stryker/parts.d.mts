/** Types of stryker/parts.mjs, for the tests that check it. */
export interface MutationPart {
  summary: string;
  mutate: string[];
  tests: string[];
  postgres: boolean;
  databases?: 'sqlite';
  staticMutants?: boolean;
}

export const PARTS: Record<string, MutationPart>;
export function partNamed(name: string): MutationPart;
export function filesToMutate(name: string, only?: string): string[];
