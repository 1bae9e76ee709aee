import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  ApiAuthenticated,
  ApiEnvelope,
  ApiErrors,
  ApiRefreshCookie,
} from '../common/api-docs/api-docs';
import {
  ApiLinks,
  REVOKE_TOKEN_SET_LINK,
  userIdLinks,
} from '../common/api-docs/api-docs-extensions';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser, Public } from '../common/decorators';
import { AuthRateLimited } from '../rate-limit/throttlers';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { AuthPayload } from './auth-payload.model';
import { AuthService } from './auth.service';
import { ChangePasswordInput } from './change-password.input';
import { LogoutInput, LogoutScope } from './logout.input';
import { AuthCookies } from '../sessions/auth-cookies';
import { RevokeTokenArgs } from './revoke-token.args';
import { SignInInput } from './sign-in.input';
import { SignUpInput } from './sign-up.input';
import { VerifyMfaInput } from './verify-mfa.input';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly cookie: AuthCookies,
  ) {}

  @Public()
  @AuthRateLimited()
  @Post('sign-up')
  @ApiOperation({
    summary: 'Create a user',
    description:
      'With an optional `email` (required when REQUIRE_EMAIL_VERIFICATION=true), which gets a verification mail.',
  })
  @ApiEnvelope(201, User, 'The new user')
  @ApiLinks({
    ...userIdLinks('$response.body#/data/id', {
      GetUser: ['GET /users/{id}', 'Read the new user'],
      UpdateUser: ['PATCH /users/{id}', "An admin changes the new user's role or disabled flag"],
      DeleteUser: ['DELETE /users/{id}', 'An admin deletes the new user'],
    }),
    SignIn: {
      operation: 'POST /auth/sign-in',
      requestBody: { username: '$request.body#/username', password: '$request.body#/password' },
      description: 'Sign in as the new user',
    },
  })
  @ApiErrors(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.USERNAME_TAKEN,
    ErrorCode.EMAIL_TAKEN,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  signUp(@Body() input: SignUpInput): Promise<User> {
    return this.auth.signUp(input);
  }

  @Public()
  @AuthRateLimited()
  @Post('sign-in')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with a password',
    description: [
      'Sets the HttpOnly refresh-token cookie (REFRESH_COOKIE_NAME), which refresh-token, revoke-token and logout read. With curl, add `-c cookies.txt` to keep it.',
      'Also sets the device cookie (DEVICE_COOKIE_NAME): with it, this browser signs in while strangers hold the username throttled.',
      'For **Authorize**, copy `data.accessToken` from the answer: the whole quoted value, without the quotes (the copy button at the bottom right of the answer copies all of it).',
      '**Two steps with a second factor.** When the user has TOTP on, the right password answers 401 `MFA_REQUIRED` with `error.mfaToken` (single use, 5 minutes), and no token and no cookie. Send that `mfaToken` with a code from the authenticator app (or a recovery code) to POST /auth/mfa/verify, which answers as this route does.',
    ].join('\n\n'),
  })
  @ApiEnvelope(200, AuthPayload, 'An access token; the refresh token is in the Set-Cookie header')
  @ApiLinks({
    ...userIdLinks('$response.body#/data/user/id', {
      ListSessions: [
        'GET /users/{id}/sessions',
        "The signed-in user's sessions, this new one first",
      ],
      ListRefreshTokens: ['GET /users/{id}/refresh-tokens', "The signed-in user's refresh tokens"],
    }),
    ...REVOKE_TOKEN_SET_LINK,
  })
  @ApiErrors(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.INVALID_CREDENTIALS,
    ErrorCode.MFA_REQUIRED,
    ErrorCode.ACCOUNT_DISABLED,
    ErrorCode.EMAIL_NOT_VERIFIED,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  async signIn(
    @Body() input: SignInInput,
    @Client() client: ClientInfo,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthPayload> {
    return this.cookie.apply(
      res,
      await this.auth.signIn(input, client, this.cookie.readDevice(req)),
    );
  }

  @Public()
  @AuthRateLimited()
  @Post('mfa/verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Second step of sign-in: a TOTP or recovery code',
    description: [
      'After POST /auth/sign-in answered 401 `MFA_REQUIRED`: its `error.mfaToken` and a current 6-digit code from the authenticator app, or an unused recovery code. Answers exactly as a sign-in does (the refresh and device cookies, an access token with `fresh: true` and `amr: ["pwd", "mfa"]`).',
      "A wrong code counts as a failed sign-in in the account throttle (the device's own, with a device cookie) and leaves the mfaToken usable until it expires; a code is accepted once.",
    ].join('\n\n'),
  })
  @ApiEnvelope(200, AuthPayload, 'An access token; the refresh token is in the Set-Cookie header')
  @ApiErrors(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.INVALID_MFA_TOKEN,
    ErrorCode.INVALID_MFA_CODE,
    ErrorCode.ACCOUNT_DISABLED,
    ErrorCode.TOO_MANY_REQUESTS,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  async verifyMfa(
    @Body() input: VerifyMfaInput,
    @Client() client: ClientInfo,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthPayload> {
    return this.cookie.apply(
      res,
      await this.auth.verifyMfa(input, client, this.cookie.readDevice(req)),
    );
  }

  @Public()
  @Post('refresh-token')
  @HttpCode(200)
  @ApiRefreshCookie('The refresh token to rotate; without it the answer is 401.')
  @ApiOperation({
    summary: 'Rotate the refresh-token cookie',
    description:
      'Reads the refresh cookie, rotates it (new Set-Cookie) and answers like sign-in. A tab that lost a concurrent refresh within the grace window gets an access token without a new cookie.',
  })
  @ApiEnvelope(200, AuthPayload, 'A new access token')
  @ApiLinks(REVOKE_TOKEN_SET_LINK)
  @ApiErrors(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.INVALID_REFRESH_TOKEN,
    ErrorCode.REFRESH_TOKEN_REUSED,
    ErrorCode.SESSION_EXPIRED,
  )
  async refreshToken(
    @Req() req: Request,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: Response,
  ): Promise<AuthPayload> {
    return this.cookie.apply(res, await this.auth.refresh(this.cookie.read(req), client));
  }

  @Post('revoke-token')
  @HttpCode(200)
  @ApiRefreshCookie('Revoked when the body has no `token`.')
  @ApiOperation({
    summary: 'Revoke a refresh token',
    description: [
      'Revokes the token in the body, else the one in the refresh cookie (the body wins). The caller must own it or be admin. Clears the cookie when its token was revoked.',
      "Revoking a session's active token ends the session: its access tokens, including the one that sent this request, are refused with 401 from the next call on (by other instances within SESSION_CHECK_CACHE_SECONDS).",
    ].join('\n\n'),
  })
  @ApiBody({
    type: RevokeTokenArgs,
    required: false,
    examples: {
      cookie: {
        summary: 'Revoke the refresh cookie',
        description: 'No `token`: the refresh cookie the browser sends is revoked.',
        value: {},
      },
      token: {
        summary: 'Revoke a given refresh token',
        description: 'A refresh token value, for example one an admin revokes for a user.',
        value: { token: '<refresh token>' },
      },
    },
  })
  @ApiEnvelope(200, 'boolean', 'Revoked')
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.TOKEN_REQUIRED,
    ErrorCode.INVALID_TOKEN,
    ErrorCode.FORBIDDEN,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  async revokeToken(
    @Body() args: RevokeTokenArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<true> {
    return this.cookie.apply(
      res,
      await this.auth.revokeToken(
        user,
        { bodyToken: args.token, cookieToken: this.cookie.read(req) },
        client,
      ),
    );
  }

  @Post('logout')
  @HttpCode(200)
  @ApiOperation({
    summary: 'End the current session, the others, or all of them',
    description:
      'Optional body `{ "scope": "current" | "others" | "all" }`: an empty body (or none) means `current`. `current` and `all` clear the cookie; `others` keeps this session and its cookie.',
  })
  @ApiBody({
    type: LogoutInput,
    required: false,
    examples: {
      current: { summary: 'This session (the default)', value: {} },
      others: { summary: 'Every other session', value: { scope: LogoutScope.OTHERS } },
      all: { summary: 'Every session', value: { scope: LogoutScope.ALL } },
    },
  })
  @ApiRefreshCookie(
    "Not needed (the session is the bearer token's); the answer clears it for `current` and `all`.",
  )
  @ApiBody({ type: LogoutInput, required: false })
  @ApiEnvelope(200, 'boolean', 'Logged out')
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR, ErrorCode.PAYLOAD_TOO_LARGE)
  async logout(
    @Body() input: LogoutInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: Response,
  ): Promise<true> {
    return this.cookie.apply(
      res,
      await this.auth.logout(user, input.scope ?? LogoutScope.CURRENT, client),
    );
  }

  @Post('change-password')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Needs an access token from a password sign-in no older than FRESH_LOGIN_MAX_AGE. Ends every other session.',
  })
  @ApiEnvelope(200, 'boolean', 'Changed')
  @ApiAuthenticated(
    ErrorCode.VALIDATION_ERROR,
    ErrorCode.INVALID_CREDENTIALS,
    ErrorCode.FRESH_LOGIN_REQUIRED,
    ErrorCode.PAYLOAD_TOO_LARGE,
  )
  async changePassword(
    @Body() input: ChangePasswordInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.auth.changePassword(user, input, client);
    return true;
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiEnvelope(200, User, 'The caller')
  @ApiLinks(
    userIdLinks('$response.body#/data/id', {
      ListSessions: ['GET /users/{id}/sessions', "The caller's sessions"],
      ListRefreshTokens: ['GET /users/{id}/refresh-tokens', "The caller's refresh tokens"],
      ListSecurityEvents: ['GET /users/{id}/security-events', "The caller's security events"],
      DeleteAccount: ['DELETE /users/{id}', 'Delete the own account (fresh login)'],
    }),
  )
  @ApiAuthenticated(ErrorCode.NOT_FOUND)
  me(@CurrentUser() user: AuthUser): Promise<User> {
    return this.users.getById(user.id, user);
  }
}
