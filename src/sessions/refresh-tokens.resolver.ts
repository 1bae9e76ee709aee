import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { assertOwnerOrAdmin } from '../common/policies';
import type { AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators';
import type { WithLoader } from '../common/graphql/graphql-loaders';
import { PageArgs, pageOf, UserPageArgs } from '../common/validation/page.args';
import { requireCaller } from '../common/require-caller';
import { User } from '../users/user.model';
import { RefreshTokenView } from './refresh-token.model';
import { RefreshTokensService } from './refresh-tokens.service';

/** Refresh-token listings, as a query and as the `User.refreshTokens` field: for the owner or an admin. */
@Resolver(() => User)
export class RefreshTokensResolver {
  constructor(private readonly refreshTokens: RefreshTokensService) {}

  @Query(() => [RefreshTokenView], {
    name: 'refreshTokens',
    description:
      "A page of a user's refresh tokens, newest first, without their values. For the owner or an admin.",
  })
  list(
    @Args() { userId, ...page }: UserPageArgs,
    @CurrentUser() user: AuthUser,
  ): Promise<RefreshTokenView[]> {
    return this.refreshTokens.listForUser(user, userId, pageOf(page));
  }

  /** Batched per request by the context's loader, so a listing of N users costs one query. */
  @ResolveField('refreshTokens', () => [RefreshTokenView], {
    nullable: true,
    description:
      "A page of the user's refresh tokens, newest first. For the owner or an admin; null with a FORBIDDEN error otherwise.",
  })
  ofUser(
    @Parent() owner: User,
    @Args() page: PageArgs,
    @Context() { req, loaders }: WithLoader<'refreshTokensByUserId', RefreshTokenView>,
  ): Promise<RefreshTokenView[]> {
    assertOwnerOrAdmin(requireCaller(req), owner.id);
    return loaders.refreshTokensByUserId.load({ userId: owner.id, ...pageOf(page) });
  }
}
