/**
 * On Windows `npx`, `npm` and node_modules/.bin/* are .cmd files, which Node refuses to spawn without a shell
 * (ENOENT, or EINVAL since the CVE-2024-27980 fix): every script in scripts/ starts programs as
 * scripts/node-tools.mjs does, with this Node on a JavaScript file. Read with TypeScript's own parser, so a call
 * spread over lines or built from variables is seen as the call it is.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { toolCommand, toolEntry } from '../../../scripts/node-tools.mjs';

const root = resolve(import.meta.dirname, '../../..');
const SPAWNING = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']);
/** Commands that are .cmd shims on Windows (or resolved through PATH, for node). */
const SHIMS = new Set(['npx', 'npm', 'pnpm', 'yarn', 'node', 'tsx', 'vite', 'vitest', 'tsc', 'eslint', 'electron-builder']);

interface Finding { line: number; problem: string }

/** What is wrong with the way a script's source starts programs. */
export function spawnProblems(fileName: string, source: string): Finding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const lineOf = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart()).line + 1;

  const strings = (node: ts.Node): ts.StringLiteralLike[] => {
    const found: ts.StringLiteralLike[] = [];
    const walk = (child: ts.Node) => {
      if (ts.isStringLiteralLike(child)) found.push(child);
      ts.forEachChild(child, walk);
    };
    walk(node);
    return found;
  };
  const usesShell = (call: ts.CallExpression) => call.arguments.some((argument) => ts.isObjectLiteralExpression(argument)
    && argument.properties.some((property) => ts.isPropertyAssignment(property) && property.name.getText() === 'shell' && property.initializer.kind !== ts.SyntaxKind.FalseKeyword));

  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const expression = node.expression;
      // `child_process.spawn(…)` counts; `/regex/.exec(text)` does not.
      const callee = ts.isIdentifier(expression) ? expression.text
        : ts.isPropertyAccessExpression(expression) && /child_?process|^cp$/i.test(expression.expression.getText()) ? expression.name.text : '';
      if (SPAWNING.has(callee)) {
        if (callee === 'exec' || callee === 'execSync') findings.push({ line: lineOf(node), problem: `${callee} runs a shell command line` });
        else if (!usesShell(node)) {
          const [program] = node.arguments;
          if (program && ts.isStringLiteralLike(program) && SHIMS.has(program.text)) {
            findings.push({ line: lineOf(node), problem: `spawns "${program.text}" directly` });
          }
          // npx or a .bin shim passed on as an argument (to a wrapper script) fails the same way.
          for (const literal of strings(node)) {
            if (literal.text === 'npx' || literal.text === 'npm') findings.push({ line: lineOf(literal), problem: `passes "${literal.text}" as a command` });
          }
        }
      }
    }
    // A path into node_modules/.bin is a .cmd shim on Windows wherever it is built.
    if (ts.isStringLiteralLike(node) && /(^|[\\/])\.bin([\\/]|$)/.test(node.text)) {
      findings.push({ line: lineOf(node), problem: `names node_modules/.bin ("${node.text}")` });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}

const scripts = readdirSync(join(root, 'scripts')).filter((name) => /\.(mjs|js|cjs|ts|mts)$/.test(name));

describe('the scripts start programs in a way that works on Windows too', () => {
  it('finds the scripts to check', () => {
    expect(scripts).toEqual(expect.arrayContaining(['build.mjs', 'dist.mjs', 'start.mjs', 'test.mjs', 'build-main.mjs', 'node-tools.mjs']));
  });

  it.each(scripts)('scripts/%s spawns no npx, npm, node_modules/.bin or bare node without a shell', (name) => {
    expect(spawnProblems(name, readFileSync(join(root, 'scripts', name), 'utf8'))).toEqual([]);
  });

  it('would catch each way of getting it wrong (the check is real)', () => {
    const wrong = [
      "spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });",
      "child_process.spawn(\n  'node',\n  ['scripts/build.mjs'],\n);",
      "spawn(join('node_modules', '.bin', 'tsx'), ['server/cli.ts']);",
      "execFileSync('node_modules/.bin/electron-builder', ['--win']);",
      "spawnSync('sh', ['scripts/with-keyring.sh', 'npx', 'vitest', 'run']);",
      "execSync('npm run build');",
    ];
    for (const source of wrong) expect(spawnProblems('wrong.mjs', source), source).not.toEqual([]);
    // With an explicit shell the .cmd shims work; process.execPath on a JavaScript file is the form we use.
    expect(spawnProblems('right.mjs', "spawnSync('npx', ['vite'], { shell: true });")).toEqual([]);
    expect(spawnProblems('right.mjs', 'spawnSync(process.execPath, [entry, "build"]);')).toEqual([]);
  });
});

describe('node-tools.mjs', () => {
  it('resolves each tool the scripts run to a JavaScript file of its package, run with this Node', () => {
    const tools: Array<[string, string]> = [['vite', 'vite'], ['electron-builder', 'electron-builder'], ['tsx', 'tsx'], ['vitest', 'vitest'], ['typescript', 'tsc'], ['eslint', 'eslint']];
    for (const [packageName, command] of tools) {
      const entry = (toolEntry as (name: string, command: string) => string)(packageName, command);
      expect(entry, command).toContain(join('node_modules', packageName));
      expect(entry, command).not.toMatch(/\.bin|\.cmd$/);
      expect(existsSync(entry), entry).toBe(true);
      // A Node script, not a native program: its first line is JavaScript or a node shebang.
      expect(readFileSync(entry, 'utf8').slice(0, 200), entry).toMatch(/^(#!.*node|'use strict'|"use strict"|import |\/\/|\/\*|require|#!\/usr\/bin\/env node)/);
    }
    const [program, args] = (toolCommand as (name: string, command: string, args: string[]) => [string, string[]])('vite', 'vite', ['build']);
    expect(program).toBe(process.execPath);
    expect(args.at(-1)).toBe('build');
  });

  it('says which command a package lacks', () => {
    expect(() => (toolEntry as (name: string, command: string) => string)('vite', 'not-a-command')).toThrow('the package vite has no command named not-a-command');
  });
});
