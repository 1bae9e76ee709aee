import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriverConfig } from '@nestjs/apollo';
import { AppConfig } from '../config/app-config';
import { GRAPHQL_PATH } from '../common/errors/graphql-error-body';
import { AppGraphqlContext, ExpressContextArgs } from './graphql-context';
import { sandboxLandingPage } from './graphiql';
import { errorReportingPlugin, createFormatError } from './graphql-errors';
import { LoadersFactory } from './loaders';
import { noStorePlugin } from './no-store-plugin';
import { operationLimitsPlugin } from './operation-limits';

/**
 * Validation stops after this many errors: one document repeating a mistake (500 `@skip`s on one
 * field) would otherwise answer one error per repeat, each with its locations.
 */
export const MAX_VALIDATION_ERRORS = 10;

/**
 * Apollo at /graphql. The schema is built from the code in memory; `npm run codegen` writes it to
 * schema.gql (the running server never writes into the repository).
 */
export function graphqlOptions(
  config: AppConfig,
  loaders: LoadersFactory,
): Omit<ApolloDriverConfig, 'driver'> {
  return {
    path: GRAPHQL_PATH,
    autoSchemaFile: true,
    sortSchema: true,
    // Nest's default GraphQL Playground is off; Apollo Sandbox is the landing page outside production
    playground: false,
    plugins: [
      ...(config.isProduction ? [] : [sandboxLandingPage()]),
      operationLimitsPlugin(),
      errorReportingPlugin(),
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin(),
    ],
    validationOptions: { maxErrors: MAX_VALIDATION_ERRORS },
    introspection: !config.isProduction,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    includeStacktraceInErrorResponses: config.nodeEnv === 'development',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: false,
    // errors are mapped once, by formatError; Nest's own HttpException mapping would come first
    autoTransformHttpErrors: false,
    formatError: createFormatError(config.nodeEnv === 'development'),
    context: ({ req, res }: ExpressContextArgs): AppGraphqlContext => ({
      req,
      res,
      loaders: loaders.create(),
    }),
  };
}
