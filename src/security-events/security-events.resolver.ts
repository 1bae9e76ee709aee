import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators';
import { assertOwnerOrAdmin } from '../common/policies';
import type { WithLoader } from '../common/graphql/graphql-loaders';
import { PageArgs, pageOf, UserPageArgs } from '../common/validation/page.args';
import { requireCaller } from '../common/require-caller';
import { User } from '../users/user.model';
import { SecurityEventView } from './security-event.model';
import { SecurityEventsService } from './security-events.service';

/** Security-event listings, as a query and as the `User.securityEvents` field: for the owner or an admin. */
@Resolver(() => User)
export class SecurityEventsResolver {
  constructor(private readonly events: SecurityEventsService) {}

  @Query(() => [SecurityEventView], {
    name: 'securityEvents',
    description:
      "A user's security events, newest first: `limit` (1-1000, default 100) events older than the event `after`. For the owner or an admin.",
  })
  listSecurityEvents(
    @Args() args: UserPageArgs,
    @CurrentUser() user: AuthUser,
  ): Promise<SecurityEventView[]> {
    const { limit, after } = pageOf(args);
    return this.events.listForUser(user, args.userId, limit, after);
  }

  /** Batched per request by the context's loader, so a listing of N users costs one query. */
  @ResolveField('securityEvents', () => [SecurityEventView], {
    nullable: true,
    description:
      "The user's security events, newest first. For the owner or an admin; null with a FORBIDDEN error otherwise.",
  })
  securityEventsOfUser(
    @Parent() owner: User,
    @Args() args: PageArgs,
    @Context() { req, loaders }: WithLoader<'securityEventsByUserId', SecurityEventView>,
  ): Promise<SecurityEventView[]> {
    assertOwnerOrAdmin(requireCaller(req), owner.id);
    return loaders.securityEventsByUserId.load({ userId: owner.id, ...pageOf(args) });
  }
}
