import { WEBHOOK_EVENT_TYPES } from '../audit/auditTrail.js';

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

const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });

const WEBHOOK_EVENTS = [...WEBHOOK_EVENT_TYPES];
const reasonWithCode = {
  type: 'object',
  required: ['otp', 'reason'],
  properties: { otp: { type: 'string', pattern: '^\\d{6}$', description: 'the code sent by POST …/otp' }, reason: { type: 'string', maxLength: 500 } },
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const tokenParam = { name: 'token', in: 'path', required: true, schema: { type: 'string' }, description: 'Last path segment of signers[].signingUrl' };

export function openApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Water e-sign service',
      version: '1.0.0',
      description:
        'Generates water supply contracts (供用水合同) and supply reliability agreements (供水可靠性管制协议) from versioned templates, ' +
        'stores every document version, signs them (PAdES B-T: applicants with a one-time certificate after an SMS code, ' +
        'the utility with its organisation certificate and red seal), and lets the connection workflow create and follow contracts. ' +
        'PKI endpoints outside /api/v1: GET /pki/root.pem, /pki/issuing.pem, /pki/root.cer, /pki/issuing.cer, /pki/crl/issuing.crl, /pki/crl/root.crl, POST /pki/ocsp (RFC 6960), POST /pki/tsa (RFC 3161, API key unless TSA_PUBLIC). ' +
        'Every call needs "Authorization: Bearer <API key>"; roles: workflow, utility, auditor, admin.',
    },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Batch: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            kind: { type: 'string', enum: ['issue', 'countersign'] },
            status: { type: 'string', enum: ['queued', 'running', 'completed'] },
            templateId: { type: ['string', 'null'] },
            templateVersion: { type: ['integer', 'null'] },
            sourceBatchId: { type: ['string', 'null'], description: 'for a countersign batch: the batch whose contracts it seals' },
            total: { type: 'integer' },
            pending: { type: 'integer' },
            created: { type: 'integer' },
            existing: { type: 'integer', description: 'made by an earlier batch with the same reference and data' },
            signed: { type: 'integer' },
            skipped: { type: 'integer' },
            failed: { type: 'integer' },
            errors: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, reference: { type: ['string', 'null'] }, contractId: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } } } },
            errorsTruncated: { type: 'boolean' },
            createdAt: { type: 'string', format: 'date-time' },
            startedAt: { type: ['string', 'null'], format: 'date-time' },
            finishedAt: { type: ['string', 'null'], format: 'date-time' },
          },
        },
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
            autoSign: { type: 'boolean', description: "Whether the utility signs automatically when its turn comes; default: the template's setting" },
            priority: { type: 'boolean', description: 'Green channel (绿色通道): listed first, shorter deadline' },
            notify: { type: 'boolean', description: 'Default true: the service texts each person their signing link when their turn comes. false: the workflow sends the links itself, and the reminders that carry them (the completion message and correction acknowledgements still go out)' },
            deadlineWorkingDays: { type: 'integer', minimum: 1, maximum: 60 },
            reference: { type: 'string', maxLength: 200, description: 'The application id in the calling workflow' },
            variables: { type: 'object', description: 'Must validate against the template schema' },
          },
        },
        Organisation: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            creditCode: { type: 'string' },
            address: { type: 'string' },
            phone: { type: 'string' },
            contractNumberPrefix: { type: 'string' },
            sealNumber: { type: 'string' },
            handwrittenSignature: { type: 'boolean' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        CertificateInfo: {
          type: 'object',
          properties: {
            serial: { type: 'string', description: 'hex' },
            subject: { type: 'string' },
            notBefore: { type: 'string', format: 'date-time' },
            notAfter: { type: 'string', format: 'date-time' },
            status: { enum: ['good', 'revoked'], description: 'revoked: nothing is signed with it until it is rotated' },
          },
        },
        ApiKey: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            role: { enum: ['workflow', 'utility', 'auditor', 'admin'] },
            organisationId: { type: ['string', 'null'] },
            label: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
            revokedAt: { type: ['string', 'null'], format: 'date-time' },
            key: { type: 'string', description: 'Only in the 201 answer: keep it, it is never shown again' },
          },
        },
        Webhook: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            url: { type: 'string', format: 'uri' },
            events: { type: 'array', items: { enum: WEBHOOK_EVENTS } },
            secret: { type: 'string', description: 'Only in the 201 answer to POST /webhooks: keep it, it is never shown again' },
            secretHint: { type: 'string', examples: ['…x9Qk'], description: 'Last 4 characters of the secret' },
            createdBy: { type: 'string', description: 'The API key id that registered it' },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        WebhookDelivery: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            eventId: { type: 'string', format: 'uuid', description: 'Sent as Webhook-Id; the same on every retry' },
            eventType: { enum: WEBHOOK_EVENTS },
            contractId: { type: ['string', 'null'] },
            status: { enum: ['pending', 'delivered', 'failed'] },
            lastStatusCode: { type: ['integer', 'null'] },
            lastError: { type: ['string', 'null'] },
            nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
            deliveredAt: { type: ['string', 'null'], format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            attempts: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  at: { type: 'string', format: 'date-time' },
                  statusCode: { type: ['integer', 'null'] },
                  error: { type: ['string', 'null'] },
                  durationMs: { type: 'integer' },
                },
              },
            },
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
            signingUrl: { type: 'string', description: 'Persons only, shown to roles workflow, utility, admin; its last segment is the signing token' },
            signingUrlExpiresAt: { type: 'string', format: 'date-time' },
            declinedAt: { type: 'string', format: 'date-time' },
            declineReason: { type: 'string' },
          },
        },
        Contract: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            organisationId: { type: 'string', description: 'The utility the contract is made and sealed for' },
            contractNumber: { type: 'string' },
            templateId: { type: 'string' },
            templateVersion: { type: 'integer' },
            templateSha256: { type: 'string' },
            reference: { type: 'string' },
            status: { enum: ['awaiting_signatures', 'partially_signed', 'completed', 'declined', 'expired', 'voided'] },
            priority: { type: 'boolean' },
            deadline: { type: 'string', format: 'date-time' },
            deadlineWorkingDays: { type: 'integer' },
            workingDaysElapsed: { type: 'integer' },
            sla: { enum: ['on_track', 'at_risk', 'overdue', 'met', 'missed'] },
            completedAt: { type: ['string', 'null'], format: 'date-time' },
            closedAt: { type: ['string', 'null'], format: 'date-time' },
            closeReason: { type: ['string', 'null'] },
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
          requestBody: jsonBody({ $ref: '#/components/schemas/CreateContract' }),
          responses: {
            '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '200': { description: 'Replayed by Idempotency-Key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '400': errorResponse('Malformed JSON (malformed_json), nested deeper than 64 levels (json_too_deep), not what Content-Encoding says (invalid_content_encoding)'),
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
            { name: 'status', in: 'query', schema: { enum: ['awaiting_signatures', 'partially_signed', 'completed', 'declined', 'expired', 'voided'] } },
            { name: 'sla', in: 'query', schema: { enum: ['on_track', 'at_risk', 'overdue', 'met', 'missed'] } },
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
      '/contracts/countersign': {
        post: {
          summary: 'The utility seals every contract of the set that waits for it (role utility), one after another; the others are skipped or failed with the reason; a retry signs nothing twice',
          requestBody: jsonBody({ type: 'object', required: ['ids'], properties: { ids: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', format: 'uuid' } } } }),
          responses: {
            '200': { description: '{signed, skipped, failed, results: [{id, outcome: signed|skipped|failed, status?, code? (already_signed, not_waiting_for_utility, contract_not_found, certificate_unavailable…), message?}]}' },
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}/users': {
        post: {
          summary: 'Create a console user of the organisation (role admin): roles clerk, sealer, auditor, org_admin; answers a one-time set-up link (72 h) to choose a password and, for sealer and org_admin, enrol a TOTP authenticator',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: jsonBody({ type: 'object', required: ['username', 'displayName', 'roles'], properties: { username: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{2,39}$' }, displayName: { type: 'string', maxLength: 60 }, roles: { type: 'array', items: { type: 'string', enum: ['clerk', 'sealer', 'auditor', 'org_admin'] } }, oidcSubject: { type: 'string', description: 'the identity provider\'s subject, for single sign-on' } } }),
          responses: {
            '201': { description: '{user, setupUrl, setupExpiresAt}' },
            '404': errorResponse('organisation_not_found'),
            '409': errorResponse('username_taken'),
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
        get: {
          summary: 'The organisation\'s console users (role admin): username, roles, status (setup_pending, active, locked, disabled), whether TOTP is enrolled',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{items: [...]}' }, '404': errorResponse('organisation_not_found'), ...standardErrors },
        },
      },
      '/organisations/{id}/users/{userId}/setup-link': {
        post: {
          summary: 'A new set-up link (role admin): the password and TOTP are reset and every session of the user ends',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{user, setupUrl, setupExpiresAt}' }, '404': errorResponse('organisation_not_found, user_not_found'), '409': errorResponse('user_disabled'), ...standardErrors },
        },
      },
      '/organisations/{id}/users/{userId}': {
        delete: {
          summary: 'Disable a console user (role admin): their sessions end at once',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, { name: 'userId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The user, status disabled' }, '404': errorResponse('organisation_not_found, user_not_found'), ...standardErrors },
        },
      },
      '/interruptions': {
        post: {
          summary: 'Record an interruption of supply (role utility); every later change is a revision (PATCH), never an overwrite; audited on the organisation\'s chain',
          requestBody: jsonBody({
            type: 'object',
            required: ['startedAt', 'planned', 'cause', 'affected', 'description'],
            properties: {
              startedAt: { type: 'string', format: 'date-time' },
              endedAt: { type: ['string', 'null'], format: 'date-time' },
              planned: { type: 'boolean' },
              noticeGivenAt: { type: ['string', 'null'], format: 'date-time', description: 'when the planned interruption was announced' },
              cause: { type: 'string', enum: ['equipment_maintenance', 'renovation', 'raw_water_shortage', 'municipal_power_failure', 'pipe_burst', 'third_party_damage', 'water_quality', 'insufficient_pressure', 'other'], description: 'the first four are left out of the KPI' },
              affected: { type: 'object', required: ['customers'], properties: { customers: { type: 'integer', minimum: 0 }, contractIds: { type: 'array', items: { type: 'string' } }, supplyZones: { type: 'array', items: { type: 'string' } }, addresses: { type: 'array', items: { type: 'string' } } } },
              description: { type: 'string', maxLength: 2000 },
            },
          }),
          responses: { '201': { description: 'The interruption (revision 1)' }, '422': errorResponse('validation_failed'), ...standardErrors },
        },
        get: {
          summary: 'Interruptions as they now stand that overlap [from, to) (roles utility, auditor)',
          parameters: ['from', 'to', 'zone', 'cause'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
          responses: { '200': { description: '{items: [...]}' }, '400': errorResponse('invalid_query'), ...standardErrors },
        },
      },
      '/interruptions/{id}': {
        get: {
          summary: 'One interruption with every revision (roles utility, auditor)',
          parameters: [idParam],
          responses: { '200': { description: '{current, revisions}' }, '404': errorResponse('interruption_not_found'), ...standardErrors },
        },
        patch: {
          summary: 'Close or correct an interruption (role utility): the fields given replace the current ones in a new revision; reason is required',
          parameters: [idParam],
          requestBody: jsonBody({ type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: 500 }, endedAt: { type: ['string', 'null'], format: 'date-time' } } }),
          responses: { '200': { description: 'The interruption as revised' }, '404': errorResponse('interruption_not_found'), '422': errorResponse('validation_failed'), ...standardErrors },
        },
      },
      '/contracts/{id}/reliability': {
        get: {
          summary: 'What a signed reliability agreement owes its customer for a year (roles utility, auditor): the interruptions that affected it and how they were matched (contract, supply_zone, address), the terms each broke (over_single_maximum, insufficient_notice), the counted hours against the target, and the compensation by the agreement\'s rule, capped, with the arithmetic; amounts in CNY computed in integer fen',
          parameters: [idParam, { name: 'period', in: 'query', schema: { type: 'integer' }, description: 'the year; default the year the agreement starts' }],
          responses: { '200': { description: 'The assessment' }, '404': errorResponse('contract_not_found'), '409': errorResponse('not_a_reliability_agreement, agreement_not_in_force'), '422': errorResponse('period_outside_agreement'), ...standardErrors },
        },
      },
      '/contracts/{id}/reliability/bill': {
        put: {
          summary: 'The customer\'s annual water bill under the agreement for a year (role utility): the base of bill_percent compensation and of the cap',
          parameters: [idParam],
          requestBody: jsonBody({ type: 'object', required: ['period', 'annualBill'], properties: { period: { type: 'integer' }, annualBill: { type: 'number', description: 'CNY, at most two decimals' } } }),
          responses: { '200': { description: '{contractId, period, annualBill}' }, '404': errorResponse('contract_not_found'), '422': errorResponse('validation_failed, invalid_amount'), ...standardErrors },
        },
      },
      '/reliability/kpi': {
        get: {
          summary: 'The plan\'s reliability KPI for a year (roles utility, auditor): system average interruption hours per customer served, with and without the excluded causes, by month and cause, the longest interruption; the definition and formula are in the answer',
          parameters: [{ name: 'year', in: 'query', required: true, schema: { type: 'integer' } }, { name: 'zone', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'The KPI' }, '400': errorResponse('invalid_query'), '422': errorResponse('customers_served_unknown'), ...standardErrors },
        },
      },
      '/reliability/customers-served': {
        put: {
          summary: 'How many customers the system (or a supply zone) serves in a year (role utility); otherwise the KPI counts the water supply contracts in force',
          requestBody: jsonBody({ type: 'object', required: ['year', 'customers'], properties: { year: { type: 'integer' }, zone: { type: 'string' }, customers: { type: 'integer', minimum: 1 } } }),
          responses: { '200': { description: '{year, zone, customers}' }, '422': errorResponse('validation_failed'), ...standardErrors },
        },
      },
      '/batches': {
        post: {
          summary: 'Issue up to 10 000 contracts of one template in one request (roles workflow, utility): accepted at once (202) and worked off in the background by every instance; each item is made once per organisation, template and reference, so a retried batch makes nothing twice (the items already made are "existing"); Idempotency-Key supported',
          requestBody: jsonBody({
            type: 'object',
            required: ['templateId', 'items'],
            properties: {
              templateId: { type: 'string' },
              templateVersion: { type: 'integer', description: 'default: the latest, fixed when the batch is accepted' },
              notify: { type: 'boolean', description: 'false: the workflow sends the signing links itself (from GET …/items)' },
              autoSign: { type: 'boolean', description: 'false: the utility countersigns later (POST /batches/{id}/countersign)' },
              deadlineWorkingDays: { type: 'integer', minimum: 1, maximum: 60 },
              items: {
                type: 'array',
                minItems: 1,
                maxItems: 10000,
                items: { type: 'object', required: ['reference', 'variables'], properties: { reference: { type: 'string', maxLength: 200, description: 'unique within the batch' }, variables: { type: 'object' }, priority: { type: 'boolean' } } },
              },
            },
          }),
          responses: {
            '202': { description: 'Accepted: the batch (see GET /batches/{id}); Location names it', content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } } },
            '200': { description: 'Replayed for the same Idempotency-Key (header Idempotent-Replayed: true)' },
            '404': errorResponse('template_not_found'),
            '413': errorResponse('The body is over 16 MB'),
            '422': errorResponse('validation_failed, duplicate_reference (details name the items)'),
            ...standardErrors,
          },
        },
        get: {
          summary: 'The organisation\'s batches, newest first (roles workflow, utility, auditor)',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
          ],
          responses: { '200': { description: '{items: Batch[], nextCursor}' }, ...standardErrors },
        },
      },
      '/batches/preview': {
        post: {
          summary: 'Check every item of a batch as the create call would, storing nothing (roles workflow, utility)',
          requestBody: jsonBody({ type: 'object', description: 'as POST /batches' }),
          responses: {
            '200': { description: '{total, valid, errors: [{index, reference, code, message, details}]}' },
            '404': errorResponse('template_not_found'),
            '422': errorResponse('validation_failed, duplicate_reference'),
            ...standardErrors,
          },
        },
      },
      '/batches/{id}': {
        get: {
          summary: 'A batch\'s progress: how many items are pending, created, existing, signed, skipped, failed, and the errors by index and reference (at most 1000; GET …/items has all)',
          parameters: [idParam],
          responses: {
            '200': { description: 'The batch', content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } } },
            '404': errorResponse('batch_not_found'),
            ...standardErrors,
          },
        },
      },
      '/batches/{id}/items': {
        get: {
          summary: 'Each item\'s result: the contract made or signed (number, status, the first person\'s signing link for workflow and utility keys) or the error; format=csv for the whole batch as a file',
          parameters: [
            idParam,
            { name: 'from', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 }, description: 'first item index; the answer\'s next continues' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 10000, default: 500 } },
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'created', 'existing', 'signed', 'skipped', 'failed'] } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'csv'] } },
          ],
          responses: {
            '200': { description: '{items: [{index, reference, status, contractId, contractNumber, contractStatus, signingUrl?, code?, message?, details?}], next}, or text/csv' },
            '404': errorResponse('batch_not_found'),
            ...standardErrors,
          },
        },
      },
      '/batches/{id}/countersign': {
        post: {
          summary: 'The utility seals every contract the batch made that waits for it (role utility), as a batch of its own (kind countersign); a contract not waiting for the utility is skipped with the reason, and a repeat signs nothing twice',
          parameters: [idParam],
          responses: {
            '202': { description: 'The countersign batch', content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } } },
            '404': errorResponse('batch_not_found'),
            '409': errorResponse('batch_not_finished, not_an_issue_batch, nothing_to_countersign'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/signers/{signerId}/sign': {
        post: {
          summary: 'The utility signs with its organisation certificate and red seal (role utility)',
          parameters: [idParam, { name: 'signerId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'Signed; the contract with its new document version', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '404': errorResponse('Unknown contract or signer'),
            '409': errorResponse('out_of_turn, already_signed, contract_not_signable, signer_is_person, concurrent_signature'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/void': {
        post: {
          summary: 'Void an open contract (roles workflow, utility); Idempotency-Key supported',
          parameters: [idParam],
          requestBody: jsonBody({ type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: 500 } } }),
          responses: {
            '200': { description: 'Voided', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '404': errorResponse('contract_not_found'),
            '409': errorResponse('illegal_transition (with the current status)'),
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/resend-link': {
        post: {
          summary: 'Text the signing link again to the person whose turn it is (roles workflow, utility); at most once in two minutes per signer',
          parameters: [idParam],
          responses: {
            '200': { description: 'Queued; the contract', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '404': errorResponse('contract_not_found'),
            '409': errorResponse('contract_not_open, not_waiting_for_person'),
            '429': errorResponse('link_sent_recently'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/deadline': {
        post: {
          summary: 'Extend an open contract\'s deadline by working days, with a reason (roles workflow, utility; audited as contract.deadline_extended); statistics keep measuring against the first deadline; Idempotency-Key supported',
          parameters: [idParam],
          requestBody: jsonBody({ type: 'object', required: ['workingDays', 'reason'], properties: { workingDays: { type: 'integer', minimum: 1, maximum: 30 }, reason: { type: 'string', maxLength: 500 } } }),
          responses: {
            '200': { description: 'The contract with its new deadline (a signing link that would expire before it is replaced and texted)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '404': errorResponse('contract_not_found'),
            '409': errorResponse('contract_not_open, concurrent_change'),
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/events': {
        get: {
          summary: 'The audit trail (roles workflow, utility, auditor): hash-chained events and whether the chain verifies',
          parameters: [idParam],
          responses: {
            '200': {
              description: 'Events, oldest first',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      contractId: { type: 'string' },
                      chain: {
                        type: 'object',
                        properties: {
                          valid: { type: 'boolean' },
                          brokenAt: { type: 'object', properties: { seq: { type: 'integer' }, id: { type: 'string' }, problem: { enum: ['hash_mismatch', 'link_mismatch', 'sequence_gap'] } } },
                        },
                      },
                      events: { type: 'array', items: { type: 'object' } },
                    },
                  },
                },
              },
            },
            '404': errorResponse('contract_not_found'),
            ...standardErrors,
          },
        },
      },
      '/contracts/{id}/evidence': {
        get: {
          summary: 'Evidence report (存证报告) PDF signed by the utility (roles workflow, utility, auditor)',
          parameters: [idParam],
          responses: { '200': { description: 'The report', content: { 'application/pdf': {} } }, '404': errorResponse('contract_not_found'), ...standardErrors },
        },
      },
      '/contracts/{id}/verify': {
        get: {
          summary: 'Verify the stored latest version',
          parameters: [idParam],
          responses: { '200': { description: 'Verification report (same as POST /verify)' }, '404': errorResponse('contract_not_found'), ...standardErrors },
        },
      },
      '/verify': {
        post: {
          summary: 'Verify any signed PDF: application/pdf body or multipart/form-data field "file" (VERIFY_MAX_MB, default 50)',
          requestBody: {
            required: true,
            content: {
              'application/pdf': { schema: { type: 'string', format: 'binary' } },
              'multipart/form-data': { schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } },
            },
          },
          responses: {
            '200': {
              description: 'Report: verdict valid | invalid | indeterminate | no_signatures; per signature integrity, coverage, chain, revocation, timestamp, modificationsAfter, registered',
            },
            '413': errorResponse('payload_too_large'),
            '415': errorResponse('unsupported_media_type'),
            '422': errorResponse('not_a_pdf, empty_file, truncated_pdf, encrypted_pdf, malformed_pdf, pdf_too_complex (over a decoding limit, the time or memory limit)'),
            ...standardErrors,
            '503': errorResponse('verifier_busy: every verification worker is busy (or the database is unavailable); retry after the Retry-After header'),
          },
        },
      },
      '/stats': {
        get: {
          summary: 'Indicators over contracts created in [from, to) (roles utility, auditor)',
          parameters: [
            { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date-time' } },
          ],
          responses: { '200': { description: 'created, completed, workingDaysToComplete {median, p90}, shares' }, '400': errorResponse('invalid_query'), ...standardErrors },
        },
      },
      '/signing/{token}': {
        get: {
          summary: 'What the signer may see: contract summary, document link, their status, the utility\'s name and phone (no API key: the link is the credential; a request that brings an API key is recorded as signing_link.read by that key, not as the signer viewing)',
          security: [],
          parameters: [tokenParam],
          responses: {
            '200': { description: 'Signer view' },
            '404': errorResponse('signing_link_not_found'),
            '410': errorResponse('signing_link_expired'),
          },
        },
      },
      '/signing/{token}/progress': {
        get: {
          summary: 'Progress of the contract for the link holder: steps with times, who acts next, working-day deadline and sla; other parties by role and label only',
          security: [],
          parameters: [tokenParam],
          responses: {
            '200': { description: 'contract {status, …}, deadline {at, workingDays, workingDaysElapsed, sla}, you, parties, next, steps [{type, at, role?, label?, you?}], document' },
            '404': errorResponse('signing_link_not_found'),
            '410': errorResponse('signing_link_expired, access_expired (a signed party: see …/access)'),
          },
        },
      },
      '/signing/{token}/document': {
        get: {
          summary: 'The current PDF, for the signer to read before signing',
          security: [],
          parameters: [tokenParam],
          responses: { '200': { description: 'The PDF', content: { 'application/pdf': {} } }, '404': errorResponse('signing_link_not_found') },
        },
      },
      '/signing/{token}/otp': {
        post: {
          summary: 'Send a 6-digit code by SMS (valid 5 minutes, one resend per minute), for signing (in turn), declining or asking for a correction',
          security: [],
          parameters: [tokenParam],
          responses: {
            '202': {
              description: 'Sent',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      sentTo: { type: 'string', examples: ['138****3210'] },
                      expiresAt: { type: 'string', format: 'date-time' },
                      resendAfterSeconds: { type: 'integer' },
                      developmentCode: { type: 'string', description: 'Only with NODE_ENV=development and no SMS gateway' },
                    },
                  },
                },
              },
            },
            '409': errorResponse('already_signed, already_declined, contract_not_signable'),
            '429': errorResponse('code_recently_sent, signer_locked (retryAfterSeconds)'),
            '503': errorResponse('sms_unavailable'),
          },
        },
      },
      '/signing/{token}/sign': {
        post: {
          summary: 'Sign with the code: issues a one-time event certificate, signs (PAdES B-T), destroys the key',
          security: [],
          parameters: [tokenParam],
          requestBody: jsonBody({
            type: 'object',
            required: ['otp', 'consent'],
            properties: {
              otp: { type: 'string', pattern: '^\\d{6}$' },
              consent: { const: true },
              signature: {
                type: 'object',
                description: 'Optional drawn signature (where the organisation allows it: handwrittenSignature), placed as vector paths beside the printed name; its stroke count and SHA-256 go into the signer.signed event and the evidence report',
                required: ['width', 'height', 'strokes'],
                properties: {
                  width: { type: 'number', exclusiveMinimum: 0, maximum: 5000 },
                  height: { type: 'number', exclusiveMinimum: 0, maximum: 5000 },
                  strokes: { type: 'array', maxItems: 100, items: { type: 'array', minItems: 1, items: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], minItems: 2, maxItems: 2 } } },
                },
              },
            },
          }),
          responses: {
            '200': { description: 'Signed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Contract' } } } },
            '400': errorResponse('code_not_requested'),
            '409': errorResponse('already_signed, code_already_used, out_of_turn, concurrent_signature'),
            '422': errorResponse('validation_failed (otp format, consent), wrong_code (attemptsLeft), code_expired, handwriting_disabled, invalid_signature_drawing'),
            '429': errorResponse('signer_locked after 5 wrong codes (15 minutes)'),
            '503': errorResponse('storage_unavailable, timestamp_unavailable'),
          },
        },
      },
      '/signing/{token}/decline': {
        post: {
          summary: 'Decline to sign, with a reason and the SMS code (POST …/otp first; no turn needed); the contract becomes declined',
          security: [],
          parameters: [tokenParam],
          requestBody: jsonBody(reasonWithCode),
          responses: {
            '200': { description: 'Declined: the link holder\'s progress (as GET …/progress)' },
            '400': errorResponse('code_not_requested'),
            '409': errorResponse('already_signed, already_declined, contract_not_signable, code_already_used'),
            '422': errorResponse('validation_failed, wrong_code, code_expired'),
            '429': errorResponse('signer_locked'),
          },
        },
      },
      '/signing/{token}/correction': {
        post: {
          summary: 'Ask for a correction (信息有误，申请修改), with a reason and the SMS code: not final, the contract stays open; event and webhook signer.correction_requested, an SMS to the signer',
          security: [],
          parameters: [tokenParam],
          requestBody: jsonBody(reasonWithCode),
          responses: {
            '200': { description: 'Recorded: the link holder\'s progress' },
            '400': errorResponse('code_not_requested'),
            '409': errorResponse('already_signed, already_declined, contract_not_signable, code_already_used'),
            '422': errorResponse('validation_failed, wrong_code, code_expired'),
          },
        },
      },
      '/signing/{token}/access/otp': {
        post: {
          summary: 'A party who signed, whose link has expired: send a code to their mobile to read the signed contract again',
          security: [],
          parameters: [tokenParam],
          responses: { '202': { description: 'Sent (as POST …/otp)' }, '410': errorResponse('signing_link_expired (the party has not signed)'), '429': errorResponse('code_recently_sent') },
        },
      },
      '/signing/{token}/access': {
        post: {
          summary: 'Check that code: sets an HttpOnly cookie (esign_read_<hash of the link>), with which …/progress and …/document answer for 30 minutes after the link expired',
          security: [],
          parameters: [tokenParam],
          requestBody: jsonBody({ type: 'object', required: ['otp'], properties: { otp: { type: 'string', pattern: '^\\d{6}$' } } }),
          responses: { '200': { description: '{expiresAt}' }, '410': errorResponse('signing_link_expired'), '422': errorResponse('wrong_code, code_expired') },
        },
      },
      '/webhooks': {
        post: {
          summary: 'Register a webhook receiver (role workflow, of the organisation); the secret is in this answer only',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 }, description: 'Replays answer 200 with the webhook, without its secret' },
          ],
          requestBody: jsonBody({
            type: 'object',
            required: ['url', 'events'],
            properties: {
              url: {
                type: 'string',
                format: 'uri',
                description: 'http:// or https://, on a public address or in a network listed in WEBHOOK_ALLOWED_NETWORKS (checked here and on every delivery)',
              },
              events: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: WEBHOOK_EVENTS } },
              secret: { type: 'string', minLength: 16, maxLength: 256, description: 'Default: 32 random bytes, base64url' },
            },
          }),
          responses: {
            '201': { description: 'Registered', content: { 'application/json': { schema: { $ref: '#/components/schemas/Webhook' } } } },
            '200': { description: 'Replayed by Idempotency-Key (no secret)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Webhook' } } } },
            '409': errorResponse('idempotency_key_reused'),
            '422': errorResponse('validation_failed: url, events or secret, each in details; webhook_target_forbidden: the url is, or resolves to, an internal address'),
            ...standardErrors,
          },
        },
        get: {
          summary: 'Registered webhooks (role workflow, of the organisation); secrets appear only as secretHint',
          responses: {
            '200': {
              description: 'Webhooks',
              content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Webhook' } } } } } },
            },
            ...standardErrors,
          },
        },
      },
      '/webhooks/{id}': {
        get: {
          summary: 'One webhook (role workflow, of the organisation)',
          parameters: [idParam],
          responses: {
            '200': { description: 'The webhook', content: { 'application/json': { schema: { $ref: '#/components/schemas/Webhook' } } } },
            '404': errorResponse('webhook_not_found'),
            ...standardErrors,
          },
        },
        delete: {
          summary: 'Delete a webhook (role workflow, of the organisation): no new deliveries, its queued deliveries are given up',
          parameters: [idParam],
          responses: { '204': { description: 'Deleted' }, '404': errorResponse('webhook_not_found'), ...standardErrors },
        },
      },
      '/webhooks/{id}/deliveries': {
        get: {
          summary: 'Delivery log, newest first, with every attempt (role workflow, of the organisation)',
          parameters: [
            idParam,
            { name: 'status', in: 'query', schema: { enum: ['pending', 'delivered', 'failed'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor of the previous page' },
          ],
          responses: {
            '200': {
              description: 'A page of deliveries',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      items: { type: 'array', items: { $ref: '#/components/schemas/WebhookDelivery' } },
                      nextCursor: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
            '400': errorResponse('invalid_query'),
            '404': errorResponse('webhook_not_found'),
            ...standardErrors,
          },
        },
      },
      '/organisations': {
        post: {
          summary: 'Create a utility (role admin): its organisation certificate is issued at once',
          requestBody: jsonBody({
            type: 'object',
            required: ['id', 'name', 'creditCode', 'address', 'phone', 'contractNumberPrefix'],
            additionalProperties: false,
            properties: {
              id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,31}$' },
              name: { type: 'string', minLength: 2, maxLength: 64 },
              creditCode: { type: 'string', pattern: '^[0-9A-HJ-NPQRTUWXY]{18}$', description: '统一社会信用代码 with its GB 32100 check character' },
              address: { type: 'string', maxLength: 200 },
              phone: { type: 'string', pattern: '^[0-9+\\-() ]{5,32}$' },
              contractNumberPrefix: { type: 'string', pattern: '^[A-Z]{2,8}$' },
              sealNumber: { type: 'string', pattern: '^[0-9A-Za-z-]{4,32}$', description: 'Default: the credit code' },
              handwrittenSignature: { type: 'boolean', description: 'Default true: applicants may draw a signature beside their printed name' },
            },
          }),
          responses: {
            '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Organisation' } } } },
            '409': errorResponse('organisation_exists (details name the taken id, creditCode or contractNumberPrefix)'),
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
        get: {
          summary: 'The utilities on the service (role admin)',
          responses: {
            '200': {
              description: 'Organisations',
              content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Organisation' } } } } } },
            },
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}': {
        get: {
          summary: 'One organisation (role admin)',
          parameters: [idParam],
          responses: {
            '200': { description: 'The organisation', content: { 'application/json': { schema: { $ref: '#/components/schemas/Organisation' } } } },
            '404': errorResponse('organisation_not_found'),
            ...standardErrors,
          },
        },
        patch: {
          summary: 'Change the address or phone (role admin); the default organisation is changed through UTILITY_*',
          parameters: [idParam],
          requestBody: jsonBody({ type: 'object', additionalProperties: false, properties: { address: { type: 'string' }, phone: { type: 'string' }, handwrittenSignature: { type: 'boolean' } } }),
          responses: {
            '200': { description: 'Changed', content: { 'application/json': { schema: { $ref: '#/components/schemas/Organisation' } } } },
            '404': errorResponse('organisation_not_found'),
            '409': errorResponse('organisation_configured'),
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}/certificate': {
        get: {
          summary: "The organisation's certificate: serial, subject, validity, and whether it may seal (role admin)",
          parameters: [idParam],
          responses: {
            '200': { description: 'The certificate', content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateInfo' } } } },
            '404': errorResponse('organisation_not_found'),
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}/certificate/rotate': {
        post: {
          summary: 'A new key and certificate for the organisation (role admin); every instance seals with it within seconds, earlier seals keep verifying',
          parameters: [idParam],
          responses: {
            '200': { description: 'The new certificate', content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateInfo' } } } },
            '404': errorResponse('organisation_not_found'),
            '409': errorResponse('certificate_imported: imported material is rotated by importing its successor'),
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}/certificate/import': {
        post: {
          summary: "The organisation's own certificate and key from another CA (role admin): it must name the organisation and chain to the root or a TRUST_ANCHORS certificate",
          parameters: [idParam],
          requestBody: jsonBody({
            type: 'object',
            required: ['pkcs12', 'password'],
            additionalProperties: false,
            properties: { pkcs12: { type: 'string', contentEncoding: 'base64' }, password: { type: 'string' } },
          }),
          responses: {
            '200': { description: 'Imported; seals from now on', content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateInfo' } } } },
            '404': errorResponse('organisation_not_found'),
            '422': errorResponse('validation_failed; certificate_invalid (wrong password, another name, not valid now, an untrusted issuer)'),
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}/api-keys': {
        post: {
          summary: "Create one of the organisation's API keys (role admin); the key is in this answer only",
          parameters: [idParam],
          requestBody: jsonBody({
            type: 'object',
            required: ['role'],
            additionalProperties: false,
            properties: { role: { enum: ['workflow', 'utility', 'auditor'] }, label: { type: 'string', maxLength: 100 } },
          }),
          responses: {
            '201': { description: 'Created; `key` is shown only here', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiKey' } } } },
            '404': errorResponse('organisation_not_found'),
            '422': errorResponse('validation_failed'),
            ...standardErrors,
          },
        },
        get: {
          summary: "The organisation's API keys, without the keys (role admin)",
          parameters: [idParam],
          responses: {
            '200': {
              description: 'Keys',
              content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/ApiKey' } } } } } },
            },
            '404': errorResponse('organisation_not_found'),
            ...standardErrors,
          },
        },
      },
      '/organisations/{id}/api-keys/{keyId}': {
        delete: {
          summary: 'Revoke a key (role admin): refused at once here, on other instances within 10 s',
          parameters: [idParam, { name: 'keyId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'Revoked', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiKey' } } } },
            '404': errorResponse('api_key_not_found'),
            ...standardErrors,
          },
        },
      },
      '/certificates/tsa/rotate': {
        post: {
          summary: 'A new key and certificate for the timestamp authority (role admin), without downtime',
          responses: {
            '200': { description: 'The new certificate', content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateInfo' } } } },
            '409': errorResponse('certificate_imported'),
            ...standardErrors,
          },
        },
      },
      '/certificates/ocsp/rotate': {
        post: {
          summary: 'A new key and certificate for the OCSP responder (role admin), without downtime',
          responses: {
            '200': { description: 'The new certificate', content: { 'application/json': { schema: { $ref: '#/components/schemas/CertificateInfo' } } } },
            '409': errorResponse('certificate_imported'),
            ...standardErrors,
          },
        },
      },
      '/certificates/{serial}/revoke': {
        post: {
          summary: 'Revoke a certificate issued by the service (role admin); OCSP and the CRL reflect it at once',
          parameters: [{ name: 'serial', in: 'path', required: true, schema: { type: 'string', description: 'hex' } }],
          requestBody: jsonBody({
            type: 'object',
            required: ['reason'],
            properties: { reason: { enum: ['keyCompromise', 'cessationOfOperation', 'superseded', 'affiliationChanged', 'unspecified'] } },
          }),
          responses: {
            '200': { description: 'Revoked' },
            '404': errorResponse('certificate_not_found'),
            '409': errorResponse('already_revoked; certificate_not_revocable (the root and the issuing CA)'),
            '422': errorResponse('validation_failed'),
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
