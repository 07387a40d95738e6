// Rewrites the configuration table in README.md from the config schema: `npm run docs:config`.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/config/table.js';

const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';
const readme = readFileSync('README.md', 'utf8');
const before = readme.slice(0, readme.indexOf(START) + START.length);
const after = readme.slice(readme.indexOf(END));
writeFileSync('README.md', `${before}\n${configTable()}\n${after}`);
