import {
  Args,
  Context,
  ID,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import type { Response } from 'express';
import { assertOwnerOrAdmin } from '../common/policies';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import type { WithLoader } from '../common/graphql/graphql-loaders';
import type { ActiveSession } from './store/session-store';
import { PageArgs, pageOf, UserPageArgs } from '../common/validation/page.args';
import { requireCaller } from '../common/require-caller';
import { User } from '../users/user.model';
import { AuthCookies } from './auth-cookies';
import { SessionView } from './session.model';
import { SessionsService } from './sessions.service';

/** Sessions, as a query, a mutation and the `User.sessions` field: for the owner or an admin. */
@Resolver(() => User)
export class SessionsResolver {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cookie: AuthCookies,
  ) {}

  @Query(() => [SessionView], {
    name: 'sessions',
    description:
      "A user's active sessions, newest first: `limit` (1-1000, default 100) after the session `after`. For the owner or an admin.",
  })
  listSessions(@Args() page: UserPageArgs, @CurrentUser() user: AuthUser): Promise<SessionView[]> {
    return this.sessions.listForUser(user, page.userId, pageOf(page));
  }

  @Mutation(() => Boolean, {
    description:
      "Ends one of the user's active sessions like logout. For the owner or an admin; NOT_FOUND when it is not one of them.",
  })
  async revokeSession(
    @Args('userId', { type: () => ID }, ParseObjectIdPipe) userId: string,
    @Args('sessionId', { type: () => ID }, ParseObjectIdPipe) sessionId: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
    @Context('res') res: Response,
  ): Promise<true> {
    return this.cookie.apply(res, await this.sessions.revoke(user, userId, sessionId, client));
  }

  /** Batched per request by the context's loader, so a listing of N users costs the same queries as one. */
  @ResolveField('sessions', () => [SessionView], {
    nullable: true,
    description:
      "The user's active sessions, newest first (`limit` 1-1000, default 100, after the session `after`). For the owner or an admin; null with a FORBIDDEN error otherwise.",
  })
  async sessionsOfUser(
    @Parent() owner: User,
    @Args() page: PageArgs,
    @Context() { req, loaders }: WithLoader<'sessionsByUserId', ActiveSession>,
  ): Promise<SessionView[]> {
    const caller = requireCaller(req);
    assertOwnerOrAdmin(caller, owner.id);
    const sessions = await loaders.sessionsByUserId.load({ userId: owner.id, ...pageOf(page) });
    return sessions.map((session) => SessionView.from(session, caller.sessionId));
  }
}
