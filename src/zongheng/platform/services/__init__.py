"""Platform services (业务函数): plain functions over a database session, no HTTP.

Pages and commands call these; each write that matters also appends an audit event in the same
transaction (:func:`zongheng.platform.services.audit.record`).
"""
