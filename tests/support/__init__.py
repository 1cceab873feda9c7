"""Test-only helpers (the network guard, fixtures, fake AWS answers); the tools are in labkit."""
