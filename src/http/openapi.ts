/** The API contract, served at /api/v1/openapi.json. Kept beside the routes so they change together. */
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const standardErrors = {
  '401': errorResponse('Missing or invalid API key (code missing_api_key, invalid_api_key)'),
  '403': errorResponse('The key\'s role may not make this call (code forbidden_role)'),
  '503': errorResponse('Database or object store unavailable; retry after the Retry-After header'),
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export function openApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Water e-sign service',
      version: '1.0.0',
      description:
        'Generates water supply contracts (供用水合同) and supply reliability agreements (供水可靠性管制协议) from versioned templates, ' +
        'stores every document version, and lets the connection workflow create and follow contracts. ' +
        'Every call needs "Authorization: Bearer <API key>"; roles: workflow, utility, auditor, admin.',
    },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'Stable machine-readable code' },
                message: { type: 'string', description: 'What went wrong and how to fix it' },
                details: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { path: { type: 'string', description: 'JSON Pointer to the offending field' }, message: { type: 'string' } },
                  },
                },
                requestId: { type: 'string' },
              },
            },
          },
        },
        Template: {
          type: 'object',
          properties: {
            id: { type: 'string', examples: ['water-supply-contract'] },
            version: { type: 'integer' },
            title: { type: 'string' },
            description: { type: 'string' },
            sha256: { type: 'string' },
            signers: {
              type: 'array',
              items: {
                type: 'object',
                properties: { order: { type: 'integer' }, role: { type: 'string' }, label: { type: 'string' }, autoSign: { type: 'boolean' } },
              },
            },
            schema: { type: 'object', description: 'JSON Schema (2020-12) of the variables' },
            example: { type: 'object', description: 'Variables that produce a complete, realistic document' },
          },
        },
        CreateContract: {
          type: 'object',
          required: ['templateId', 'reference', 'variables'],
          properties: {
            templateId: { type: 'string' },
            templateVersion: { type: 'integer', description: 'Defaults to the latest version' },
            reference: { type: 'string', maxLength: 200, description: 'The application id in the calling workflow' },
            variables: { type: 'object', description: 'Must validate against the template schema' },
          },
        },
        Signer: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            order: { type: 'integer' },
            role: { type: 'string' },
            label: { type: 'string' },
            kind: { enum: ['person', 'organisation'] },
            name: { type: 'string' },
            status: { type: 'string' },
            signedAt: { type: ['string', 'null'], format: 'date-time' },
            certificateSerial: { type: ['string', 'null'] },
          },
        },
        Contract: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            contractNumber: { type: 'string' },
            templateId: { type: 'string' },
            templateVersion: { type: 'integer' },
            templateSha256: { type: 'string' },
            reference: { type: 'string' },
            status: { enum: ['awaiting_signatures', 'partially_signed', 'completed', 'declined', 'expired', 'voided'] },
            document: {
              type: 'object',
              properties: {
                version: { type: 'integer' },
                sha256: { type: 'string' },
                size: { type: 'integer' },
                url: { type: 'string' },
              },
            },
            versions: { type: 'array', items: { type: 'object' } },
            signers: { type: 'array', items: { $ref: '#/components/schemas/Signer' } },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    paths: {
      '/templates': {
        get: {
          summary: 'List templates (every version)',
          responses: {
            '200': {
              description: 'Templates',
              content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Template' } } } } } },
            },
            ...standardErrors,
          },
        },
      },
      '/templates/{id}': {
        get: {
          summary: 'One template (latest version unless ?version=)',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'version', in: 'query', schema: { type: 'integer' } },
          ],
          responses: {
            '200': { description: 'The template', content: { 'application/json': { schema: { $ref: '#/components/schemas/Template' } } } },
            '404': errorResponse('Unknown template (template_not_found)'),
            ...standardErrors,
          },
        },
      },
      '/contracts': {
        post: {
          summary: 'Create a contract from a template (roles workflow, utility)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              schema: { type: 'string', maxLength: 255 },
              description: 'Same key and body: the same contract is returned (200, Idempotent-Replayed: true); same key, other body: 409',
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateContract' } } } },
          responses: {
            '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '200': { description: 'Replayed by Idempotency-Key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '400': errorResponse('Malformed JSON (malformed_json)'),
            '404': errorResponse('Unknown template (template_not_found)'),
            '409': errorResponse('Idempotency-Key reused with another body (idempotency_key_reused)'),
            '413': errorResponse('Body too large (payload_too_large)'),
            '415': errorResponse('Body not application/json (unsupported_media_type)'),
            '422': errorResponse('Invalid request or variables, every offending field in details (validation_failed, invalid_variables, unsupported_character)'),
            ...standardErrors,
          },
        },
        get: {
          summary: 'List contracts, newest first, with cursor pagination',
          parameters: [
            { name: 'reference', in: 'query', schema: { type: 'string' } },
            { name: 'status', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
          ],
          responses: {
            '200': {
              description: 'A page of contracts',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      items: { type: 'array', items: { $ref: '#/components/schemas/Contract' } },
                      nextCursor: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
            '400': errorResponse('Invalid query (invalid_query)'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}': {
        get: {
          summary: 'One contract with its signers and document versions',
          parameters: [idParam],
          responses: {
            '200': { description: 'The contract', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '404': errorResponse('Unknown contract (contract_not_found)'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/document': {
        get: {
          summary: 'The PDF of the latest (or ?version=n) document version; ETag is its SHA-256',
          parameters: [idParam, { name: 'version', in: 'query', schema: { type: 'integer' } }],
          responses: {
            '200': { description: 'The PDF', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } },
            '304': { description: 'Not modified (If-None-Match matched)' },
            '404': errorResponse('Unknown contract or version (contract_not_found, version_not_found)'),
            ...standardErrors,
          },
        },
      },
    },
  };
}
