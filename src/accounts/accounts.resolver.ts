import { Args, ID, Mutation, Resolver } from '@nestjs/graphql';
import type { AuthUser, ClientInfo } from '../common/auth-user';
import { Client, CurrentUser } from '../common/decorators';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { User } from '../users/user.model';
import { AccountsService } from './accounts.service';
import { UpdateUserInput } from './update-user.input';

@Resolver()
export class AccountsResolver {
  constructor(private readonly accounts: AccountsService) {}

  @Mutation(() => User, {
    description:
      "Admin only: changes a user's role and/or disabled flag. Disabling ends every session of the user at once. The last active admin cannot be demoted or disabled (CONFLICT, LAST_ADMIN).",
  })
  updateUser(
    @Args('id', { type: () => ID }, ParseObjectIdPipe) id: string,
    @Args('input') input: UpdateUserInput,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<User> {
    return this.accounts.updateUser(user, id, input, client);
  }

  @Mutation(() => Boolean, {
    description:
      'Deletes a user: an admin, or the owner with a fresh password sign-in (FRESH_LOGIN_MAX_AGE). Removes its refresh tokens and sessions and frees the username; its security events stay. The last active admin cannot be deleted (CONFLICT, LAST_ADMIN).',
  })
  async deleteUser(
    @Args('id', { type: () => ID }, ParseObjectIdPipe) id: string,
    @CurrentUser() user: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<true> {
    await this.accounts.deleteUser(user, id, client);
    return true;
  }
}
