import DataLoader from 'dataloader';
import { User } from './user.model';
import { UsersService } from './users.service';

/** Users by id, null where missing; one query per batch. */
export type UserByIdLoader = DataLoader<string, User | null>;

export function createUserByIdLoader(users: UsersService): UserByIdLoader {
  return new DataLoader((ids) => users.findByIds(ids));
}
