import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import mongoose, { Connection } from 'mongoose';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EmbeddedDatabase } from './embedded-database';

/** Input is never an operator: `{ $ne: null }` inside a filter value is compared literally. */
mongoose.set('sanitizeFilter', true);
/** Capturing a stack for every query costs more than the few errors it would explain. */
mongoose.set('skipOriginalStackTraces', true);

const DEFAULT_DATABASE = 'auth';
/** A lost database is answered with 503 within a few seconds instead of queueing requests. */
const SERVER_SELECTION_TIMEOUT_MS = 3_000;

/** Owns the embedded FerretDB when MONGODB_URI is unset, and stops it with the app. */
@Injectable()
export class EmbeddedDatabaseLauncher implements OnApplicationShutdown {
  private embedded: EmbeddedDatabase | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  async uri(): Promise<string> {
    if (this.config.mongodbUri !== undefined) return this.config.mongodbUri;
    this.embedded ??= await EmbeddedDatabase.start(this.config.dataDir);
    return this.embedded.uri;
  }

  /**
   * Nest shuts this module down before the connection that depends on it, so the connection is
   * closed here first: FerretDB stopped under open connections waits for them (3 s), and a
   * client then closes against a database that is gone. Mongoose's own close is a no-op after it.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.embedded === undefined) return;
    const connection = this.moduleRef.get<Connection>(getConnectionToken(), { strict: false });
    try {
      await connection.close();
    } finally {
      await this.embedded.stop();
    }
  }
}

/** Uses the database named in the URI, or `auth` when it names none. */
export function withDefaultDatabase(uri: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (match === null || match[2] !== '') return uri;
  return `${match[1]}/${DEFAULT_DATABASE}${match[3] ?? ''}`;
}

@Module({ providers: [EmbeddedDatabaseLauncher], exports: [EmbeddedDatabaseLauncher] })
class EmbeddedDatabaseLauncherModule {}

@Module({
  imports: [
    MongooseModule.forRootAsync({
      imports: [EmbeddedDatabaseLauncherModule],
      inject: [EmbeddedDatabaseLauncher],
      useFactory: async (launcher: EmbeddedDatabaseLauncher) => ({
        uri: await launcher.uri().then(withDefaultDatabase),
        bufferCommands: false,
        serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        connectTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        retryAttempts: 3,
        retryDelay: 1_000,
      }),
    }),
  ],
})
export class DatabaseModule {}
