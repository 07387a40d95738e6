import { ENV_VARS } from './load.js';
import { ConfigSchema } from './schema.js';

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

function rows(node: SchemaNode, prefix: string): string[][] {
  const out: string[][] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.type === 'object' && child.properties) {
      out.push(...rows(child, path));
      continue;
    }
    const env = ENV_VARS.find((e) => e.path === path)?.name ?? '';
    const fallback = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``;
    out.push([`\`${path}\``, env ? `\`${env}\`` : '', typeOf(child), fallback, child.description ?? '']);
  }
  return out;
}

/** The README's configuration table, written from the schema so the two cannot drift apart. */
export function configTable(): string {
  const header = ['setting (config file)', 'environment variable', 'type', 'default', 'meaning'];
  const lines = [header, header.map(() => '---'), ...rows(ConfigSchema as unknown as SchemaNode, '')];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
