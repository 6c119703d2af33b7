/**
 * The documentation stands on its own: every link of README.md and docs/ leads to a file of the repository (and to
 * a heading that exists), and nothing in the repository points outside it, to the team's shared folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headingAnchors, markdownLinks } from './markdown';

const PAGES = ['README.md', ...readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

const anchorsOf = new Map<string, Set<string>>();
function anchors(file: string): Set<string> {
  let found = anchorsOf.get(file);
  if (!found) anchorsOf.set(file, (found = headingAnchors(readFileSync(file, 'utf8'))));
  return found;
}

function isExternal(link: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(link);
}

describe('documentation links', () => {
  it.each(PAGES)('every link of %s leads to a file of the repository and to a heading that exists', (page) => {
    const text = readFileSync(page, 'utf8');
    const problems: string[] = [];
    for (const link of markdownLinks(text)) {
      if (isExternal(link)) continue;
      const [target = '', anchor] = link.split('#');
      const file = target === '' ? page : normalize(join(dirname(page), decodeURIComponent(target)));
      if (file.startsWith('..')) problems.push(`${link}: outside the repository`);
      else if (!existsSync(file)) problems.push(`${link}: no such file`);
      else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) problems.push(`${link}: no such heading in ${file}`);
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('no tracked file points to the shared folder outside the repository', () => {
    // Spelled in two parts so this file does not find itself.
    const outside = ['../' + 'shared', '/work/' + 'shared'];
    const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter((file) => file && !/\.(png|ico|icns|jpg)$/.test(file));
    const offenders = files.filter((file) => existsSync(file) && outside.some((path) => readFileSync(file, 'utf8').includes(path)));
    expect(offenders).toEqual([]);
  });
});
