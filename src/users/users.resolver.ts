import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { ParseObjectIdPipe } from '../common/parse-object-id.pipe';
import { ListUsersArgs } from './list-users.args';
import { User } from './user.model';
import { UsersService } from './users.service';

@Resolver(() => User)
export class UsersResolver {
  constructor(private readonly users: UsersService) {}

  @Query(() => [User], {
    name: 'users',
    description:
      'Users in creation order: every user, or a page of `limit` users after the user `after`.',
  })
  list(@Args() args: ListUsersArgs): Promise<User[]> {
    return this.users.list(args.limit, args.after);
  }

  @Query(() => User, { name: 'user', description: 'A user by id.' })
  get(@Args('id', { type: () => ID }, ParseObjectIdPipe) id: string): Promise<User> {
    return this.users.getById(id);
  }
}
