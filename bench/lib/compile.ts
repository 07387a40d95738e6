import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import ts from 'typescript';

export const root = resolve(import.meta.dirname, '..', '..');

/**
 * Turns a one-file peer server (bench/peers/*.ts, importing packages only) into plain JavaScript
 * run by bare `node`, as otpline runs from dist/: no TypeScript loader in the measured process.
 * It is written under node_modules/ so that its imports resolve to this project's packages.
 */
export function compilePeer(file: string): string {
  const source = readFileSync(join(root, 'bench', 'peers', file), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: file,
  });
  const dir = join(root, 'node_modules', '.cache', 'otpline-bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, basename(file).replace(/\.ts$/, '.mjs'));
  writeFileSync(out, outputText);
  return out;
}
