import { Module } from '@nestjs/common';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { AccountsModule } from '../accounts/accounts.module';
import { AuthModule } from '../auth/auth.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RecoveryModule } from '../recovery/recovery.module';
import { MfaModule } from '../mfa/mfa.module';
import { SecurityEventsModule } from '../security-events/security-events.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { graphqlOptions } from './graphql-options';
import { LoadersFactory } from './loaders';

/** The feature modules whose resolvers make up the schema, for the server and for `npm run codegen`. */
export const GRAPHQL_FEATURE_MODULES = [
  UsersModule,
  AuthModule,
  SessionsModule,
  SecurityEventsModule,
  AccountsModule,
  RecoveryModule,
  MfaModule,
];

@Module({
  imports: GRAPHQL_FEATURE_MODULES,
  providers: [LoadersFactory],
  exports: [LoadersFactory],
})
class LoadersModule {}

@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [LoadersModule],
      inject: [APP_CONFIG, LoadersFactory],
      useFactory: (config: AppConfig, loaders: LoadersFactory) => ({
        ...graphqlOptions(config, loaders),
        include: GRAPHQL_FEATURE_MODULES,
      }),
    }),
  ],
})
export class GraphqlApiModule {}
