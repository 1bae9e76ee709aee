import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { refreshCookieOf } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** What a use case wants done with the refresh cookie. */
export type CookieInstruction =
  | { action: 'set'; token: string; maxAgeSeconds: number }
  | { action: 'clear' }
  | { action: 'keep' };

/** A use case's answer together with what to do with the cookies. */
export interface WithCookie<T> {
  value: T;
  cookie: CookieInstruction;
  /** A device cookie to set (a successful sign-in): its signed value. */
  device?: string;
}

export const KEEP_COOKIE: CookieInstruction = { action: 'keep' };
export const CLEAR_COOKIE: CookieInstruction = { action: 'clear' };

const DEVICE_COOKIE_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

/**
 * The one writer and reader of the service's cookies, for REST and GraphQL alike: the refresh
 * cookie (REFRESH_COOKIE_NAME) and the device cookie (DEVICE_COOKIE_NAME), both HttpOnly, with
 * COOKIE_SAMESITE and COOKIE_SECURE, on every path.
 */
@Injectable()
export class AuthCookies {
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

  /** The refresh token the client sent, if any. */
  read(req: Request): string | undefined {
    return refreshCookieOf(req, this.name);
  }

  /** The device cookie the client sent, if any (not yet checked). */
  readDevice(req: Request): string | undefined {
    return refreshCookieOf(req, this.config.deviceCookieName);
  }

  /** Applies the use case's cookie instructions and answers its value. */
  apply<T>(res: Response, { value, cookie, device }: WithCookie<T>): T {
    if (cookie.action === 'set') {
      res.cookie(this.name, cookie.token, { ...this.options, maxAge: cookie.maxAgeSeconds * 1000 });
    } else if (cookie.action === 'clear') {
      res.clearCookie(this.name, this.options);
    }
    if (device !== undefined) {
      res.cookie(this.config.deviceCookieName, device, {
        ...this.options,
        maxAge: DEVICE_COOKIE_MAX_AGE_MS,
      });
    }
    return value;
  }
}
