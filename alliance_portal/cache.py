"""Django's database cache with an increment that neither races nor moves the expiry.

django-ratelimit counts account mails with ``cache.add()`` then ``cache.incr()``. Django's own
``incr()`` is a get and then a set: two workers may both read 3 and both write 4, and the set
gives the row a fresh default timeout, so that a count meant to last an hour would expire five
minutes after its last increment. Here the row is locked (SELECT … FOR UPDATE on PostgreSQL;
on SQLite the portal's transactions take the write lock when they begin) and only its value
changes. The table is made by ``manage.py createcachetable``; no extra service is needed.
"""

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')} FROM {quote_name(self._table)} "  # noqa: S608 (names quoted)
                f"WHERE {quote_name('cache_key')} = %s AND {quote_name('expires')} > %s{lock}",
                [key, now],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            # Our own table, written only by this cache: unpickling it is what DatabaseCache does.
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {quote_name(self._table)} SET {quote_name('value')} = %s "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s",
                [encoded, key],
            )
        return value
