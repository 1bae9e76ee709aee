import type { Request, Response } from 'express';
import type { GraphqlContext } from '../common/request-context';
import type { Loaders } from './loaders';

/** The context of every GraphQL operation: the HTTP exchange (for the guard and cookies) and its loaders. */
export interface AppGraphqlContext extends GraphqlContext {
  loaders: Loaders;
}

/** What the Express integration of Apollo hands to the context function. */
export interface ExpressContextArgs {
  req: Request;
  res: Response;
}
