import type { Request } from 'express';
import type { AppError } from './app-error';

interface EnvelopeBase {
  statusCode: number;
  path: string;
  timestamp: string;
  requestId: string;
}

export interface SuccessEnvelope<T> extends EnvelopeBase {
  success: true;
  data: T;
}

export interface ErrorEnvelope extends EnvelopeBase {
  success: false;
  error: { code: string; message: string; details: AppError['details'] };
}

function base(req: Request, statusCode: number): EnvelopeBase {
  return {
    statusCode,
    path: req.path,
    timestamp: new Date().toISOString(),
    requestId: req.requestId,
  };
}

export function successEnvelope<T>(req: Request, statusCode: number, data: T): SuccessEnvelope<T> {
  return { success: true, ...base(req, statusCode), data };
}

export function errorEnvelope(req: Request, error: AppError): ErrorEnvelope {
  return {
    success: false,
    ...base(req, error.httpStatus),
    error: { code: error.code, message: error.message, details: error.details },
  };
}
