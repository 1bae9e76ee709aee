import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser, Public } from '../common/decorators';
import { PASSWORD_HASHING_COMPLEXITY } from '../common/graphql/graphql-limits';
import { AuthRateLimited } from '../rate-limit/throttlers';
import { User } from '../users/user.model';
import { UsersService } from '../users/users.service';
import { AuthPayload } from './auth-payload.model';
import { AuthService } from './auth.service';
import { ChangePasswordInput } from './change-password.input';
import { LogoutScope } from './logout.input';
import { AuthCookies } from '../sessions/auth-cookies';
import { RevokeTokenArgs } from './revoke-token.args';
import { SignInInput } from './sign-in.input';
import { SignUpInput } from './sign-up.input';
import { VerifyMfaInput } from './verify-mfa.input';

/** The GraphQL face of the auth use cases; the refresh cookie travels on the context's `res`, as in REST. */
@Resolver()
export class AuthResolver {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly cookie: AuthCookies,
  ) {}

  @Public()
  @AuthRateLimited()
  @Mutation(() => User, { description: 'Create a user.', complexity: PASSWORD_HASHING_COMPLEXITY })
  signUp(@Args('input') input: SignUpInput): Promise<User> {
    return this.auth.signUp(input);
  }

  @Public()
  @AuthRateLimited()
  @Mutation(() => AuthPayload, {
    description:
      'Sign in with a password. Sets the HttpOnly refresh-token cookie and the device cookie (DEVICE_COOKIE_NAME), with which this browser can sign in while strangers hold the username throttled. With a second factor on, the right password answers UNAUTHENTICATED with extensions.errorCode MFA_REQUIRED and extensions.mfaToken (single use, 5 minutes), no token and no cookie: complete it with verifyMfa.',
    complexity: PASSWORD_HASHING_COMPLEXITY,
  })
  async signIn(
    @Args('input') input: SignInInput,
    @Client() client: ClientInfo,
    @Context('req') req: Request,
    @Context('res') res: Response,
  ): Promise<AuthPayload> {
    return this.cookie.apply(
      res,
      await this.auth.signIn(input, client, this.cookie.readDevice(req)),
    );
  }

  @Public()
  @AuthRateLimited()
  @Mutation(() => AuthPayload, {
    description:
      'The second step of a signIn that answered MFA_REQUIRED: its mfaToken and a current TOTP code or an unused recovery code. Answers as signIn does (cookies, fresh token, amr ["pwd", "mfa"]). A wrong code (UNAUTHENTICATED, INVALID_MFA_CODE) counts in the account throttle and leaves the mfaToken usable until it expires; INVALID_MFA_TOKEN: sign in again.',
  })
  async verifyMfa(
    @Args('input') input: VerifyMfaInput,
    @Client() client: ClientInfo,
    @Context('req') req: Request,
    @Context('res') res: Response,
  ): Promise<AuthPayload> {
    return this.cookie.apply(
      res,
      await this.auth.verifyMfa(input, client, this.cookie.readDevice(req)),
    );
  }

  @Public()
  @Mutation(() => AuthPayload, {
    description:
      'Rotates the refresh-token cookie (new Set-Cookie) and answers like signIn. A tab that lost a concurrent refresh within the grace window gets an access token without a new cookie.',
  })
  async refreshToken(
    @Context('req') req: Request,
    @Client() client: ClientInfo,
    @Context('res') res: Response,
  ): Promise<AuthPayload> {
    return this.cookie.apply(res, await this.auth.refresh(this.cookie.read(req), client));
  }

  @Mutation(() => Boolean, {
    description:
      'Revokes the given refresh token, else the one in the refresh cookie. The caller must own it or be admin. Clears the cookie when its token was revoked.',
  })
  async revokeToken(
    @Args() args: RevokeTokenArgs,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
    @Context('req') req: Request,
    @Context('res') res: Response,
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

  @Mutation(() => Boolean, {
    description:
      'Ends the current session (CURRENT, the default), every other session (OTHERS, keeps the cookie) or all of them (ALL). CURRENT and ALL clear the cookie.',
  })
  async logout(
    @Args('scope', { type: () => LogoutScope, nullable: true, defaultValue: LogoutScope.CURRENT })
    scope: LogoutScope | null,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
    @Context('res') res: Response,
  ): Promise<true> {
    return this.cookie.apply(
      res,
      await this.auth.logout(user, scope ?? LogoutScope.CURRENT, client),
    );
  }

  @Mutation(() => Boolean, {
    description:
      'Needs an access token from a password sign-in no older than FRESH_LOGIN_MAX_AGE. Ends every other session.',
    complexity: PASSWORD_HASHING_COMPLEXITY,
  })
  async changePassword(
    @Args('input') input: ChangePasswordInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.auth.changePassword(user, input, client);
    return true;
  }

  @Query(() => User, { description: 'The signed-in user.' })
  me(@CurrentUser() user: AuthUser): Promise<User> {
    return this.users.getById(user.id, user);
  }
}
