"""Secure retrieval: the encrypted Crypt4GH archive, htsget 1.3 tickets and block streaming,
whole-file downloads and the ``onemg fetch`` client (see ``docs/retrieval.md``)."""
