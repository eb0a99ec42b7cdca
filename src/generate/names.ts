/** Word lists for synthetic people, artists and titles. Non-ASCII entries are deliberate. */

export const FIRST_NAMES_F = [
  'Kaylee', 'Lily', 'Jacqueline', 'Chloe', 'Tegan', 'Aleena', 'Rylan', 'Jayden', 'Mohammad', 'Layla',
  'Sara', 'Ava', 'Katherine', 'Jordyn', 'Amiya', 'Stefany', 'Anabelle', 'Lucero', 'Kinsley', 'Brooklyn',
  'Emily', 'Olivia', 'Hannah', 'Madison', 'Aubrey', 'Cecilia', 'Harper', 'Ruby', 'Molly', 'Vera',
];

export const FIRST_NAMES_M = [
  'Walter', 'Ryan', 'Jacob', 'Kevin', 'Matthew', 'Cooper', 'Theodore', 'Jizelle', 'Alivia', 'Wyatt',
  'Colm', 'Aiden', 'Sebastian', 'Lucas', 'Dustin', 'Connar', 'Jaleel', 'Everett', 'Lukas', 'Noah',
  'Oliver', 'Samuel', 'Elijah', 'Isaac', 'Hunter', 'Gavin', 'Mason', 'Owen', 'Caleb', 'Miles',
];

/** Correctly encoded accented names, used for a small quota of users. */
export const FIRST_NAMES_ACCENTED_F = ['Zoë', 'Chloé', 'Mónica', 'Hélène', 'Sigrún', 'Françoise', 'Ángela'];
export const FIRST_NAMES_ACCENTED_M = ['José', 'Andrés', 'Søren', 'Jürgen', 'Łukasz', 'Ángel', 'Joël'];

export const LAST_NAMES = [
  'Frye', 'Summers', 'Koch', 'Lynch', 'Cruz', 'Graham', 'Williams', 'Smith', 'Jones', 'Harrell',
  'Jackson', 'Griffin', 'Lee', 'Martin', 'Klein', 'Kirby', 'Montgomery', 'Chang', 'Levine', 'Hogan',
  'Larson', 'Fox', 'Carter', 'Stewart', 'Sanchez', 'Foster', 'Duffy', 'Rodriguez', 'Oneal', 'Beck',
];
export const LAST_NAMES_ACCENTED = ['Müller', 'Gonçalves', 'Sánchez', 'Ekström', 'Dvořák', 'Þórsson', 'Kärkkäinen'];

/** Metro areas in the style of the real logs ("City-City, ST"). */
export const USER_LOCATIONS = [
  'San Francisco-Oakland-Hayward, CA', 'Phoenix-Mesa-Scottsdale, AZ', 'Washington-Arlington-Alexandria, DC-VA-MD-WV',
  'San Jose-Sunnyvale-Santa Clara, CA', 'New Orleans-Metairie, LA', 'Lubbock, TX', 'Harrisburg-Carlisle, PA',
  'Salinas, CA', 'La Crosse-Onalaska, WI-MN', 'Chicago-Naperville-Elgin, IL-IN-WI',
  'New York-Newark-Jersey City, NY-NJ-PA', 'Atlanta-Sandy Springs-Roswell, GA', 'Houston-The Woodlands-Sugar Land, TX',
  'Seattle-Tacoma-Bellevue, WA', 'Portland-South Portland, ME', 'Tampa-St. Petersburg-Clearwater, FL',
  'Detroit-Warren-Dearborn, MI', 'Birmingham-Hoover, AL', 'Red Bluff, CA', 'Janesville-Beloit, WI',
  'San Germán-Cabo Rojo, PR', 'Santa Maria-Santa Barbara, CA', 'Tucson, AZ', 'Boston-Cambridge-Newton, MA-NH',
];

/** Browser strings; most arrive wrapped in literal double quotes, Firefox ones do not. */
export const USER_AGENTS = [
  '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36"',
  '"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36"',
  '"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.77.4 (KHTML, like Gecko) Version/7.0.5 Safari/537.77.4"',
  '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/36.0.1985.125 Chrome/36.0.1985.125 Safari/537.36"',
  '"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36"',
  '"Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/37.0.2062.103 Safari/537.36"',
  '"Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 (KHTML, like Gecko) Version/7.0 Mobile/11D257 Safari/9537.53"',
  '"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; WOW64; Trident/6.0)"',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.9; rv:31.0) Gecko/20100101 Firefox/31.0',
  'Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0',
];

export const BAND_ADJECTIVES = [
  'Black', 'Silver', 'Electric', 'Velvet', 'Broken', 'Golden', 'Hollow', 'Crimson', 'Quiet', 'Neon',
  'Wild', 'Lonely', 'Paper', 'Northern', 'Stone', 'Glass', 'Midnight', 'Sleepy', 'Burning', 'Lucky',
];
export const BAND_NOUNS = [
  'Keys', 'Wolves', 'Harbors', 'Rivers', 'Machines', 'Lanterns', 'Pilots', 'Saints', 'Horses', 'Satellites',
  'Owls', 'Ghosts', 'Tigers', 'Dials', 'Echoes', 'Comets', 'Orchards', 'Kites', 'Engines', 'Foxes',
];
export const BAND_WORDS_ACCENTED = ['Café', 'Fiancée', 'Mañana', 'Señor', 'Rêve', 'Über', 'Årstid', 'Niño'];

export const TITLE_WORDS = [
  'Love', 'Night', 'Fire', 'Heart', 'Summer', 'Road', 'Dream', 'Rain', 'City', 'Light', 'Home', 'Blue',
  'Dance', 'Time', 'Gold', 'Shadow', 'River', 'Sky', 'Wild', 'Falling', 'Forever', 'Tonight', 'Lost', 'Run',
  'Broken', 'Sweet', 'Electric', 'Moon', 'Ocean', 'Thunder', 'Holiday', 'Secret', 'Paradise', 'Angel',
];
export const TITLE_SUFFIXES = [
  ' (LP Version)', ' (Album Version)', ' (Remastered)', ' (Live)', ' (Radio Edit)', ' [Explicit]',
  ' (Explicit Album Version)', ' (Acoustic)', ' (2006 Digital Remaster)',
];
/** Correctly encoded non-ASCII titles, including a CJK and an astral (emoji) one. */
export const TITLES_ACCENTED = [
  'Déjà Vu', 'Canción De La Noche', 'Été Indien', 'Sueño Eterno', 'Für Immer', 'Ça Plane Pour Moi',
  'Sinceridad Y Celos', 'Tokyo 東京 Nights', 'Moonlight 🌙', 'Señorita Del Mar', 'Ångest',
];

export const FEATURED_CONNECTORS = [' featuring ', ' feat. ', ' & ', ' / ', ' Feat. '];

/** Artist locations: some with coordinates, some text only. */
export const ARTIST_LOCATIONS: ReadonlyArray<{ name: string; lat: number | null; lon: number | null }> = [
  { name: 'Nashville, TN.', lat: 36.16778, lon: -86.77836 },
  { name: 'California - LA', lat: null, lon: null },
  { name: 'New York, NY', lat: 40.71455, lon: -74.00712 },
  { name: 'London, England', lat: 51.50632, lon: -0.12714 },
  { name: 'Chicago, IL', lat: 41.88415, lon: -87.63241 },
  { name: 'Detroit, MI', lat: 42.33168, lon: -83.04792 },
  { name: 'Montréal, Québec, Canada', lat: 45.51228, lon: -73.55439 },
  { name: 'Reykjavík, Iceland', lat: 64.13548, lon: -21.89541 },
  { name: 'Hamtramck, MI', lat: null, lon: null },
  { name: 'Fort Worth, TX', lat: 32.74863, lon: -97.32925 },
  { name: 'São Paulo, Brazil', lat: -23.56287, lon: -46.65467 },
  { name: 'Seattle, WA', lat: 47.6036, lon: -122.32944 },
  { name: 'Dubai UAE', lat: null, lon: null },
  { name: 'Brooklyn, NY', lat: 40.65507, lon: -73.94888 },
  { name: 'Göteborg, Sweden', lat: 57.70133, lon: 11.96689 },
  { name: 'Kingston, Jamaica', lat: 17.99702, lon: -76.79358 },
];
