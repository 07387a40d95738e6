import type { ErrorObject } from 'ajv';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { type AuthError, BadParameter, InvalidBody, InvalidRequest, ManagementError } from './errors.js';
import { nestedDeeperThan } from './json-depth.js';

/** How a route reports a schema violation, matching the Auth0 endpoint it mirrors. */
export type ErrorStyle = 'passwordless' | 'oauth' | 'legacy_ro' | 'gateway' | 'management';

declare module 'fastify' {
  interface FastifyContextConfig {
    errorStyle?: ErrorStyle;
  }
}

function makeAjv(coerceTypes: boolean): Ajv {
  // Bodies are never coerced: {"phone_number": 123} or {"$gt": ""} must fail, not become strings.
  const ajv = new Ajv({
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    verbose: true,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  // `maxDepth` bounds free-form objects (connection options, metadata, authParams) with a clear error.
  ajv.addKeyword({
    keyword: 'maxDepth',
    type: ['object', 'array'],
    schemaType: 'number',
    errors: true,
    validate: function check(max: number, data: unknown) {
      if (!nestedDeeperThan(data, max)) return true;
      (check as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'maxDepth', message: `nested too deeply (at most ${max} levels)`, params: { limit: max } },
      ];
      return false;
    },
  });
  return ajv;
}
const strictAjv = makeAjv(false);
const coercingAjv = makeAjv(true);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function property(error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  return error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
}

function describe(error: ErrorObject): string {
  const prop = property(error);
  switch (error.keyword) {
    case 'required':
      return `Missing required property: ${prop}`;
    case 'additionalProperties':
      return `the following properties are not allowed: ${prop}`;
    case 'type':
      return `error in ${prop} - invalid type: ${typeName(error.data)} (expected ${String(error.params.type)})`;
    case 'pattern':
      return `String does not match pattern: ${String(error.params.pattern)}`;
    case 'enum':
      return `error in ${prop} - must be one of ${JSON.stringify(error.params.allowedValues)}`;
    default:
      return `error in ${prop} - ${error.message ?? 'invalid value'}`;
  }
}

/** Turns a schema violation into the error the route's Auth0 counterpart would send. */
export function validationError(
  errors: ErrorObject[],
  context: string,
  style: ErrorStyle,
): AuthError | ManagementError {
  const first = errors[0];
  if (!first) return new InvalidRequest('Invalid request');
  const text = describe(first);
  if (style === 'management') {
    // Auth0's Management API words an unknown property this way.
    if (first.keyword === 'additionalProperties' || first.keyword === 'propertyNames') {
      const name = first.params.additionalProperty ?? first.params.propertyName;
      return new InvalidBody(`Additional properties not allowed: ${String(name)}`);
    }
    if (context === 'body') return new InvalidBody(text);
    return new ManagementError(
      400,
      context === 'querystring' ? 'invalid_query_string' : 'invalid_uri',
      `${context} validation error: '${text}'.`,
    );
  }
  if (style === 'passwordless') {
    const name =
      first.keyword === 'additionalProperties' ? 'request' : (property(first).split('.')[0] ?? 'request');
    return new BadParameter(name, text);
  }
  return new InvalidRequest(text);
}
