"""Moving a show here from another host: fetch its feed safely, read it, map it, report."""
