// Rewrites the configuration and provider tables in README.md from the config schema and the
// provider drivers: `npm run docs:config`.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, providerTable } from '../src/config/table.js';

function replaceBetween(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end}`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

let readme = readFileSync('README.md', 'utf8');
readme = replaceBetween(readme, 'config-table', configTable());
readme = replaceBetween(readme, 'provider-table', providerTable());
writeFileSync('README.md', readme);
