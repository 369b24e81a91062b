import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument, type OpenApiDocument } from '#shared/contracts/openapi.ts';
import { ROUTE_PATHS, type RouteId } from '#shared/contracts/route-paths.ts';

/**
 * Checks an answer against the OpenAPI document (GET /v1/openapi.json) with a JSON Schema 2020-12
 * validator, the way a client generated from the document would read it: the status must be one the
 * document lists for the route, and the body must match that status's schema. The document is the
 * one the service serves (test/integration/openapi.test.ts proves they are equal).
 */

const DOCUMENT_ID = 'https://batch-calls.invalid/openapi.json';

let document: OpenApiDocument | undefined;
let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

export function openApiDocument(): OpenApiDocument {
  document ??= buildOpenApiDocument();
  return document;
}

function validator(pointer: string): ValidateFunction {
  if (!ajv) {
    // Not strict: the document holds OpenAPI's own keywords beside the schemas.
    ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(ajv);
    ajv.addSchema({ ...openApiDocument(), $id: DOCUMENT_ID });
  }
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

/** One JSON Pointer token inside a URI fragment. */
const token = (value: string) => encodeURIComponent(value.replaceAll('~', '~0').replaceAll('/', '~1'));

/** Throws when an answer is not what the document says route `id` answers with `status`. */
export function expectDocumentedResponse(id: RouteId, status: number, body: unknown, text = ''): void {
  const { method, path } = ROUTE_PATHS[id];
  const operation = openApiDocument().paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${id}: the OpenAPI document has no ${method} ${path}`);
  const answer = operation.responses[String(status)];
  if (!answer)
    throw new Error(`${id} answered ${status}, a status the OpenAPI document does not list: ${text}`);
  const content = Object.keys(answer.content ?? {});
  if (content.length === 0) {
    if (text !== '')
      throw new Error(`${id} answered ${status} with a body, where the OpenAPI document has none`);
    return;
  }
  // A JSON answer is checked parsed; any other media type (CSV, an event stream) as its text.
  const mediaType = content.includes('application/json') ? 'application/json' : (content[0] as string);
  const value = mediaType === 'application/json' ? body : text;
  const pointer = ['', 'paths', path, method.toLowerCase(), 'responses', String(status), 'content', mediaType]
    .map(token)
    .join('/');
  const validate = validator(`${pointer}/schema`);
  if (!validate(value)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    throw new Error(
      `${id} answered ${status} with a body that does not match the OpenAPI document:\n${errors.join('\n')}`,
    );
  }
}
