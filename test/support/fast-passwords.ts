// Every test file hashes passwords at a low scrypt cost: the suite signs in and creates users with
// passwords thousands of times. Tests of the cost itself, and of the bound on concurrent hashing,
// switch back to SCRYPT_PARAMS for their duration.
import { useScryptParamsForTests } from '../../src/users/login/passwords.ts';

export const TEST_SCRYPT_PARAMS = { N: 2 ** 12, r: 8, p: 1 };
useScryptParamsForTests(TEST_SCRYPT_PARAMS);
