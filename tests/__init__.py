"""Tests of the county express network simulator."""
