import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import mongoose from 'mongoose';
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

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async uri(): Promise<string> {
    if (this.config.mongodbUri !== undefined) return this.config.mongodbUri;
    this.embedded ??= await EmbeddedDatabase.start(this.config.dataDir);
    return this.embedded.uri;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.embedded?.stop();
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
