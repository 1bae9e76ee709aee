import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../common/auth-user';
import { EXAMPLE } from '../common/api-docs';
import { JsonView } from '../common/json-view';
import { OBJECT_ID_PATTERN } from '../common/object-id';
import type { PublicUserRecord } from './user.schema';

/** A user as every client sees it. Never carries a password or hash. */
@ObjectType('User')
export class User extends JsonView {
  /** 24-hex ObjectId. */
  @Field(() => ID)
  @ApiProperty({ example: EXAMPLE.userId, pattern: OBJECT_ID_PATTERN })
  id!: string;

  @ApiProperty({ example: EXAMPLE.username })
  username!: string;

  /** `user` or `admin`. */
  @Field(() => String)
  @ApiProperty({ enum: Role, enumName: 'Role', example: Role.USER })
  role!: Role;

  /** A disabled user cannot sign in. */
  @ApiProperty({ example: false })
  disabled!: boolean;

  @ApiProperty({ example: EXAMPLE.userCreatedAt })
  createdAt!: Date;

  @ApiProperty({ example: EXAMPLE.userCreatedAt })
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
