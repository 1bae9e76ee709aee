import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../common/auth-user';
import { JsonView } from '../common/json-view';
import { OBJECT_ID_PATTERN } from '../common/object-id';
import type { PublicUserRecord } from './user.schema';

/** A user as every client sees it. Never carries a password or hash. */
@ObjectType('User')
export class User extends JsonView {
  /** 24-hex ObjectId. */
  @Field(() => ID)
  @ApiProperty({ example: '665f1c2b9d3e4a0012ab34cd', pattern: OBJECT_ID_PATTERN })
  id!: string;

  /** @example "ada.lovelace" */
  username!: string;

  /** `user` or `admin`. */
  @Field(() => String)
  @ApiProperty({ enum: Role, enumName: 'Role', example: Role.USER })
  role!: Role;

  /** A disabled user cannot sign in. */
  disabled!: boolean;

  createdAt!: Date;

  updatedAt!: Date;

  static from(record: PublicUserRecord): User {
    const user = new User();
    user.id = record._id.toHexString();
    user.username = record.username;
    user.role = record.role;
    user.disabled = record.disabled === true;
    user.createdAt = record.createdAt;
    user.updatedAt = record.updatedAt;
    return user;
  }
}
