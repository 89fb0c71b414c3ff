"""The REST API (接口) at ``/api/v1``: JSON with an OpenAPI description, personal API tokens.

For integrations (a statistics system pushing values, a dashboard pulling them). A caller sends
``Authorization: Bearer zh_…``; the token acts as its user, with the same roles, scopes and the
same access rule (:mod:`zongheng.platform.services.access`) as the pages.
"""

from zongheng.platform.api.app import create_api

__all__ = ["create_api"]
