import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { refreshCookieOf } from '../common/request-context';

/** What a use case wants done with the refresh cookie. */
export type CookieInstruction =
  | { action: 'set'; token: string; maxAgeSeconds: number }
  | { action: 'clear' }
  | { action: 'keep' };

/** A use case's answer together with its cookie instruction. */
export interface WithCookie<T> {
  value: T;
  cookie: CookieInstruction;
}

export const KEEP_COOKIE: CookieInstruction = { action: 'keep' };
export const CLEAR_COOKIE: CookieInstruction = { action: 'clear' };

/** The one writer and reader of the refresh-token cookie, for REST and GraphQL alike. */
@Injectable()
export class RefreshCookie {
  private readonly options: CookieOptions;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.options = {
      httpOnly: true,
      secure: config.cookie.secure,
      sameSite: config.cookie.sameSite,
      path: '/',
    };
  }

  get name(): string {
    return this.config.refresh.cookieName;
  }

  read(req: Request): string | undefined {
    return refreshCookieOf(req, this.name);
  }

  /** Applies the use case's cookie instruction and answers its value. */
  apply<T>(res: Response, { value, cookie }: WithCookie<T>): T {
    if (cookie.action === 'set') {
      res.cookie(this.name, cookie.token, { ...this.options, maxAge: cookie.maxAgeSeconds * 1000 });
    } else if (cookie.action === 'clear') {
      res.clearCookie(this.name, this.options);
    }
    return value;
  }
}
