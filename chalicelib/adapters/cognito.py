"""Staff sign-in against an Amazon Cognito user pool: listkeeper checks a password with Cognito once, at sign-in,
and keeps no staff password and no Cognito token afterwards (its own sealed session follows)."""

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from ..services.ports import Staff

WRONG_CREDENTIALS = frozenset({"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException"})
ROLES = ("admin", "agent")  # the pool's groups that open the console, strongest first


class CognitoDirectory:
    def __init__(self, client: Callable[[], Any], user_pool_id: str, client_id: str) -> None:
        self._client = client
        self._pool = user_pool_id
        self._app_client = client_id

    def authenticate(self, email: str, password: str) -> Staff | None:
        """The staff member these credentials belong to, or None for any wrong credential (never saying which)."""
        cognito = self._client()
        try:
            answer = cognito.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=self._app_client,
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in WRONG_CREDENTIALS:
                return None
            raise
        result = answer.get("AuthenticationResult")
        if not result:  # a challenge (a new password is required, MFA set up elsewhere): not signed in here
            return None
        user = cognito.get_user(AccessToken=result["AccessToken"])  # Cognito reads its own token: no JWT library
        attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
        groups = cognito.admin_list_groups_for_user(UserPoolId=self._pool, Username=user["Username"])["Groups"]
        names = {g["GroupName"] for g in groups}
        role = next((r for r in ROLES if r in names), None)
        if role is None:
            return None  # a pool user in neither group has no business in the console
        return Staff(sub=attributes.get("sub", user["Username"]), email=attributes.get("email", email), role=role)
