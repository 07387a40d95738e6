import { useState } from 'preact/hooks';
import { api } from '../auth';
import { Alert, Field, when } from '../components';

interface User {
  user_id: string;
  phone_number: string;
  created_at: string;
  last_login?: string | null;
  logins_count: number;
  identities?: Array<{ connection: string }>;
}

export function Users() {
  const [phone, setPhone] = useState('');
  const [users, setUsers] = useState<User[]>();
  const [error, setError] = useState<string>();

  const search = async (event?: Event) => {
    event?.preventDefault();
    try {
      const query = phone.trim() ? `&phone_number=${encodeURIComponent(phone.trim())}` : '';
      setUsers(await api<User[]>('GET', `/api/v2/users?per_page=50${query}`));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async (user: User) => {
    if (!confirm(`Delete ${user.phone_number}? Their next login signs them up again.`)) return;
    try {
      await api('DELETE', `/api/v2/users/${encodeURIComponent(user.user_id)}`);
      await search();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <>
      <form class="card row" aria-label="Search" onSubmit={search}>
        <Field id="user-phone" label="Phone number">
          <input
            id="user-phone"
            type="tel"
            placeholder="+14155550123"
            value={phone}
            onInput={(e) => setPhone(e.currentTarget.value)}
          />
        </Field>
        <button type="submit">Search</button>
      </form>
      <Alert>{error}</Alert>
      {users && (
        <div class="table">
          <table>
            <caption>{users.length === 1 ? '1 user' : `${users.length} users`}</caption>
            <thead>
              <tr>
                <th scope="col">Phone</th>
                <th scope="col">Connection</th>
                <th scope="col">Logins</th>
                <th scope="col">Last login</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.user_id}>
                  <td>{user.phone_number}</td>
                  <td>{user.identities?.[0]?.connection ?? ''}</td>
                  <td>{user.logins_count}</td>
                  <td>{when(user.last_login ?? null)}</td>
                  <td>
                    <button type="button" class="secondary" onClick={() => remove(user)}>
                      Delete <span class="visually-hidden">{user.phone_number}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
