import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { map, Observable } from 'rxjs';
import { UNENVELOPED } from './decorators';
import { successEnvelope } from './envelope';

/**
 * Wraps every REST success in the contract's envelope; GraphQL answers are left alone, and so are
 * streamed ones, which write their envelope themselves, and `@Unenveloped()` routes.
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    if (this.reflector.get<boolean | undefined>(UNENVELOPED, context.getHandler()) === true) {
      return next.handle();
    }
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    return next.handle().pipe(
      map((data: unknown) =>
        // a stream carries its envelope already (streamedSuccessEnvelope)
        data instanceof StreamableFile ? data : successEnvelope(req, res.statusCode, data ?? null),
      ),
    );
  }
}
