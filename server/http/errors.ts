/**
 * One place that turns anything thrown into `{ code, message, ...facts }` with a 4xx status, or a generic 500
 * whose details stay in the log. No stack trace ever reaches a client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_STATUS, SecureAccessError, type ErrorCode } from '../../protocol/index';

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['body_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send JSON (Content-Type: application/json).'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['bad_request', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['bad_request', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'The Content-Length does not match the body.'],
};

export function toSecureAccessError(error: unknown): SecureAccessError | null {
  if (error instanceof SecureAccessError) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[]; validationContext?: string };
  if (fastifyError.validation) {
    const first = fastifyError.validation[0];
    const extra = first?.params?.additionalProperty;
    // A missing property is reported on its parent object: the field to name is the one that is missing.
    const missing = first?.params?.missingProperty;
    const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const named = typeof extra === 'string' ? extra : typeof missing === 'string' ? missing : null;
    const field = named !== null ? (path ? `${path}.${named}` : named) : path || undefined;
    const where = fastifyError.validationContext ?? 'request';
    const message = typeof extra === 'string' ? `Unknown field "${field}" in the ${where}.`
      : typeof missing === 'string' ? `Missing field "${field}" in the ${where}.`
        : `Invalid ${where}${field ? ` field "${field}"` : ''}: ${first?.message ?? 'invalid value'}.`;
    return new SecureAccessError('bad_request', message, field ? { field } : {});
  }
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return new SecureAccessError(mapped[0], mapped[1]);
  if (fastifyError.statusCode === 413) return new SecureAccessError('body_too_large', 'The request body is too large.');
  if (fastifyError.statusCode === 415) return new SecureAccessError('unsupported_media_type', 'Send JSON (Content-Type: application/json).');
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new SecureAccessError('bad_request', 'The request is malformed.');
  }
  return null;
}

/** Answers the error; returns the code it answered with. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): ErrorCode {
  const known = toSecureAccessError(error);
  // The log line and the metrics of this request name the code (see ops/http.ts).
  if (request.actor) request.actor.errorCode = known?.code ?? 'internal_error';
  if (known) {
    if (known.code === 'rate_limited' && known.facts.retryAfterSeconds !== undefined) reply.header('retry-after', String(known.facts.retryAfterSeconds));
    void reply.status(ERROR_STATUS[known.code]).send(known.toBody());
    return known.code;
  }
  request.log.error({ err: error }, 'unexpected error');
  void reply.status(500).send({ code: 'internal_error', message: 'An unexpected error occurred. It has been logged; please try again.' });
  return 'internal_error';
}
