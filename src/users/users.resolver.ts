import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import type { AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { PageArgs, pageOf } from '../common/validation/page.args';
import { User } from './user.model';
import { UsersService } from './users.service';

@Resolver(() => User)
export class UsersResolver {
  constructor(private readonly users: UsersService) {}

  @Query(() => [User], {
    name: 'users',
    description:
      'Users in creation order: a page of `limit` users (default 100) after the user `after`.',
  })
  list(@Args() args: PageArgs, @CurrentUser() user: AuthUser): Promise<User[]> {
    const { limit, after } = pageOf(args);
    return this.users.list(limit, after, user);
  }

  @Query(() => User, { name: 'user', description: 'A user by id.' })
  get(
    @Args('id', { type: () => ID }, ParseObjectIdPipe) id: string,
    @CurrentUser() user: AuthUser,
  ): Promise<User> {
    return this.users.getById(id, user);
  }
}
