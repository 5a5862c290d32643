/**
 * Hono validator middleware around the contract's valibot schemas (src/contract/requests.ts), the one way a
 * route reads its body or query (issue 9). A request the schema rejects → 400 VALIDATION_FAILED
 * `{"error": {"code", "message", "details": {"field"}}}` (SPEC "API"): `field` is the first offending
 * field's path joined by "." (`filename`, `parts.2.etag`), "body" when the body is not a JSON object;
 * a name with a control character also gets `details.char` ("U+202E", SPEC v2 "Hardening").
 * The route then reads the parsed output, typed by the schema: `c.req.valid('json' | 'form' | 'query')`.
 * The 1 MiB body bound (hardening.ts) runs before, so nothing here reads more than that.
 */
import type { Context, MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { isPrintable, unprintableChar } from '../../contract/limits.js';
import type { AppEnv } from './app-env.js';
import { HttpError, invalid } from './errors.js';

type Issue = v.BaseIssue<unknown>;

/** The dotted path of an issue ("" at the root). */
function pathOf(issue: Issue): string {
  return (issue.path ?? []).map((p) => String(p.key)).join('.');
}

/** The 400 for the first issue; `root` names a root-level failure (the body itself, or a batch item). */
export function issueError(issue: Issue, root = 'body'): HttpError {
  const field = pathOf(issue) || root;
  if (issue.kind === 'validation' && issue.requirement === isPrintable && typeof issue.input === 'string') {
    return new HttpError('VALIDATION_FAILED', issue.message, { field, char: unprintableChar(issue.input) });
  }
  return invalid(field, issue.message);
}

/** `value` parsed by `schema`, or throws the 400 of the first issue (see issueError). */
export function parseOr400<S extends v.GenericSchema>(schema: S, value: unknown, root = 'body'): v.InferOutput<S> {
  const r = v.safeParse(schema, value, { abortEarly: true });
  if (!r.success) throw issueError(r.issues[0], root);
  return r.output;
}

/** The body as JSON, whatever the Content-Type says (the CLI and the page send JSON); 400 field "body" if it is not. */
async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw invalid('body', 'request body must be JSON');
  }
}

/** A form body (urlencoded or multipart) as strings, or the JSON body; 400 field "body" for neither. */
async function readFormOrJson(c: Context): Promise<unknown> {
  const type = c.req.header('Content-Type') ?? '';
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    try {
      const form = await c.req.parseBody();
      return Object.fromEntries(Object.entries(form).map(([k, x]) => [k, typeof x === 'string' ? x : '']));
    } catch {
      throw invalid('body', 'request body must be a JSON object or a form');
    }
  }
  try {
    return await c.req.json();
  } catch {
    throw invalid('body', 'request body must be a JSON object or a form');
  }
}

type Target = 'json' | 'form' | 'query';
type Valid<T extends Target, S extends v.GenericSchema> = {
  in: { [K in T]: v.InferInput<S> };
  out: { [K in T]: v.InferOutput<S> };
};

function validate<T extends Target, S extends v.GenericSchema>(
  target: T,
  schema: S,
  read: (c: Context<AppEnv>) => Promise<unknown> | unknown,
): MiddlewareHandler<AppEnv, string, Valid<T, S>> {
  return async (c, next) => {
    const output = parseOr400(schema, await read(c));
    c.req.addValidatedData(target, output as object);
    await next();
  };
}

/** The JSON body, parsed by `schema`: `c.req.valid('json')`. */
export const validJson = <S extends v.GenericSchema>(schema: S) => validate('json', schema, readJson);

/** A form or JSON body, parsed by `schema`: `c.req.valid('form')`. */
export const validForm = <S extends v.GenericSchema>(schema: S) => validate('form', schema, readFormOrJson);

/** The query parameters (first value of each), parsed by `schema`: `c.req.valid('query')`. */
export const validQuery = <S extends v.GenericSchema>(schema: S) => validate('query', schema, (c) => c.req.query());
