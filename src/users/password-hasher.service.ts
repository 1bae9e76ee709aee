import { randomBytes } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** bcrypt, always asynchronous (it runs on libuv's thread pool, off the event loop). */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Compared against when the user does not exist, so both failures cost the same time. */
  private dummyHash = '';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.bcryptCost);
  }

  /** Compares against `hash`, or against a dummy of the same cost when there is none. */
  verify(password: string, hash: string | undefined): Promise<boolean> {
    return bcrypt
      .compare(password, hash ?? this.dummyHash)
      .then((matches) => matches && hash !== undefined);
  }
}
