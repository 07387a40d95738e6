import type { Driver } from '../providers/driver.js';
import { drivers as defaultDrivers } from '../providers/registry.js';
import { type EnvVar, envVars } from './env.js';
import { driverSettings } from './provider-settings.js';
import { buildConfigSchema } from './schema.js';

interface SchemaNode {
  type?: string;
  default?: unknown;
  description?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  const?: unknown;
  items?: SchemaNode;
}

function typeOf(node: SchemaNode): string {
  if (node.anyOf)
    return node.anyOf.map((n) => (n.const !== undefined ? JSON.stringify(n.const) : typeOf(n))).join(' \\| ');
  if (node.type === 'array') return `${node.items ? typeOf(node.items) : 'any'}[]`;
  return node.type ?? 'any';
}

function rows(node: SchemaNode, prefix: string, vars: readonly EnvVar[]): string[][] {
  const out: string[][] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.type === 'object' && child.properties) {
      out.push(...rows(child, path, vars));
      continue;
    }
    const env = vars.find((e) => e.path === path)?.name ?? '';
    const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push([`\`${path}\``, env ? `\`${env}\`` : '', typeOf(child), fallback, child.description ?? '']);
  }
  return out;
}

/** The README's configuration table, written from the schema so the two cannot drift apart. */
export function configTable(drivers: readonly Driver[] = defaultDrivers): string {
  const header = ['setting (config file)', 'environment variable', 'type', 'default', 'meaning'];
  const schema = buildConfigSchema(drivers) as unknown as SchemaNode;
  const lines = [header, header.map(() => '---'), ...rows(schema, '', envVars(drivers))];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The README's provider table: each driver, its required settings, receipts, and an example. */
export function providerTable(drivers: readonly Driver[] = defaultDrivers): string {
  const header = ['driver', 'provider', 'required settings', 'delivery receipts', 'example'];
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = drivers.map((d) => {
    const required = driverSettings(d)
      .filter((s) => s.required)
      .map((s) => `\`${s.env}\``)
      .join(', ');
    const name = d.metadata.docsUrl
      ? `[${d.metadata.displayName}](${d.metadata.docsUrl})`
      : d.metadata.displayName;
    return [
      `\`${d.name}\``,
      name,
      required || '—',
      cell(d.metadata.receipts ?? 'no'),
      d.metadata.example ? `\`${cell(d.metadata.example)}\`` : '',
    ];
  });
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
