import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { refreshCookieOf } from '../common/request-context';

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

  write(res: Response, token: string): void {
    res.cookie(this.name, token, {
      ...this.options,
      maxAge: this.config.refresh.ttlSeconds * 1000,
    });
  }

  /** Sets the cookie when the use case issued a refresh token (sign-in, rotation); answers its payload. */
  deliver<T>(res: Response, result: { payload: T; refreshToken?: string }): T {
    if (result.refreshToken !== undefined) this.write(res, result.refreshToken);
    return result.payload;
  }

  clear(res: Response): void {
    res.clearCookie(this.name, this.options);
  }
}
