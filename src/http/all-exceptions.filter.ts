import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorEnvelope } from './envelope';
import { GRAPHQL_PATH, graphqlErrorBody } from '../common/errors/graphql-error-body';
import { logUnexpected } from '../common/errors/log-unexpected';
import { requestIdMiddleware } from './request-id.middleware';
import { toAppError } from '../common/errors/to-app-error';
import { RefusalObserver } from '../common/errors/refusal-observer';

/**
 * The one error path for REST: everything thrown (validation, domain errors, body-parser errors,
 * unknown routes, database faults, bugs) ends here and leaves in the contract's envelope (in
 * GraphQL's error shape for a body refused on /graphql before Apollo ran).
 * GraphQL errors are passed on to Apollo, whose formatError maps them with the same `toAppError`.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly observer: RefusalObserver) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const error = toAppError(exception);
    this.observer.refused(error, host);
    if (host.getType() !== 'http') return exception;
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    // body-parser errors are raised before the request-id middleware had a turn
    if (req.requestId === undefined) requestIdMiddleware(req, res, () => undefined);

    logUnexpected(this.logger, exception, error, req.requestId);
    if (res.headersSent) return;
    if (error.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
    // /graphql requests refused before Apollo ran (body too large, malformed JSON) keep GraphQL's shape
    const body = req.path === GRAPHQL_PATH ? graphqlErrorBody(error) : errorEnvelope(req, error);
    res.status(error.httpStatus).json(body);
  }
}
