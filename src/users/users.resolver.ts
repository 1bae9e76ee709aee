import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { ParseObjectIdPipe } from '../common/parse-object-id.pipe';
import { PageArgs, pageOf } from '../common/page.args';
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
  list(@Args() args: PageArgs): Promise<User[]> {
    const { limit, after } = pageOf(args);
    return this.users.list(limit, after);
  }

  @Query(() => User, { name: 'user', description: 'A user by id.' })
  get(@Args('id', { type: () => ID }, ParseObjectIdPipe) id: string): Promise<User> {
    return this.users.getById(id);
  }
}
